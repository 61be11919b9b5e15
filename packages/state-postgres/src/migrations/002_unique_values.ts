import type { Migration } from './migration';

/**
 * Version 2: `unique_values`, the job-wide register behind `uniqueFields`. The primary key is
 * what makes a value go to exactly one record: concurrent claims of one value conflict on it.
 */
export const migration002UniqueValues: Migration = {
  version: 2,
  name: 'unique values',
  sql: `
CREATE TABLE {{schema}}.unique_values (
  job_id       text    COLLATE "C" NOT NULL,
  field        text    COLLATE "C" NOT NULL,
  value        text    COLLATE "C" NOT NULL,
  record_index integer NOT NULL,
  PRIMARY KEY (job_id, field, value)
);
`,
};
