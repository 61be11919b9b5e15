/**
 * The forms `--store` accepts, for messages and help. A module of its own: the dashboard's
 * message scrubbing needs it without the CLI's option parser (commander) being loaded.
 */
export const STORE_URL_FORMS =
  'sqlite:<relative path>, sqlite:///<absolute path> or postgres://user[:password]@host[:port]/database[?schema=name]';
