import type { Migration } from './migration';

/**
 * Version 1: jobs, batches and records. `{{schema}}` stands for the quoted schema name.
 *
 * - Batch state lives only in `batches` (one row per batch), never in the job row, so a claim
 *   rewrites one small row.
 * - Ids use the "C" collation: byte comparison is the cheapest for index keys, and ids need no
 *   linguistic order.
 * - `records` has no foreign key to `jobs`: checking it costs about a third of the insert
 *   throughput. Records are keyed by job and deleted with it by `deleteJob`.
 * - `records` keeps half of each page free (fillfactor 50): finishing a batch rewrites each of
 *   its records once, and with room on the page PostgreSQL does that as a HOT update, without
 *   touching the indexes. After that first rewrite the table is as dense as with the default.
 * - No index on `records.status`: an update that changes an indexed column is never HOT.
 */
export const migration001Initial: Migration = {
  version: 1,
  name: 'initial',
  sql: `
CREATE TABLE {{schema}}.jobs (
  id            text COLLATE "C" PRIMARY KEY,
  status        text NOT NULL CHECK (status IN ('CREATED', 'PREVIEWING', 'PREVIEWED', 'PROCESSING',
                                                'PAUSED', 'COMPLETED', 'ABORTED', 'FAILED')),
  config        jsonb NOT NULL,
  total_records integer NOT NULL CHECK (total_records >= 0),
  distributed   boolean,
  started_at    timestamptz,
  completed_at  timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE {{schema}}.batches (
  job_id             text COLLATE "C" NOT NULL REFERENCES {{schema}}.jobs (id) ON DELETE CASCADE,
  id                 text COLLATE "C" NOT NULL,
  batch_index        integer NOT NULL,
  status             text NOT NULL CHECK (status IN ('PENDING', 'PROCESSING', 'PAUSED',
                                                     'COMPLETED', 'FAILED')),
  record_start_index integer NOT NULL,
  record_end_index   integer NOT NULL,
  processed_count    integer NOT NULL DEFAULT 0,
  failed_count       integer NOT NULL DEFAULT 0,
  -- Fencing token: how many times the batch was claimed. Fenced writes must quote it.
  attempt            integer NOT NULL DEFAULT 0,
  worker_id          text,
  claimed_at         timestamptz,
  error              text,
  PRIMARY KEY (job_id, id)
);

-- Claims take the lowest PENDING batch of a job; finalisation, status and reclaim look a job's
-- batches up by status.
CREATE INDEX batches_job_status_index ON {{schema}}.batches (job_id, status, batch_index);

CREATE TABLE {{schema}}.records (
  job_id           text COLLATE "C" NOT NULL,
  record_index     integer NOT NULL,
  batch_id         text COLLATE "C" NOT NULL,
  status           text NOT NULL CHECK (status IN ('pending', 'valid', 'invalid', 'processed',
                                                   'failed')),
  raw              json NOT NULL,
  -- NULL (or JSON null) when equal to raw, as for every record that was not validated yet.
  parsed           json,
  -- Validation findings; NULL (or JSON null) when there are none.
  errors           json,
  processing_error text,
  retry_count      integer,
  PRIMARY KEY (job_id, record_index)
) WITH (fillfactor = 50);

-- A batch's records (getBatchRecords sorts its few hundred rows; quarantine of a batch). Without
-- record_index in the key, all entries of a batch are equal and B-tree deduplication stores
-- them as one key with a list of rows: about 20% faster inserts than (job_id, batch_id,
-- record_index).
CREATE INDEX records_batch_index ON {{schema}}.records (job_id, batch_id);
`,
};
