import pg from 'pg';

type ConnectCallback = ((error: Error) => void) | ((error: null, client: pg.Client) => void);

/**
 * A `pg.Client` that closes its socket when connecting fails. The driver reports a failed
 * authentication (a server asking for a password the URL does not have: "SASL: … client password
 * must be a string") but leaves the socket open, and the server keeps it until its
 * `authentication_timeout` (60 s by default): a process that failed to open the store could not
 * exit before then.
 */
export class ConnectingClient extends pg.Client {
  override connect(): Promise<pg.Client>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.Client> | void {
    if (callback === undefined) {
      return super.connect().catch((error: unknown) => {
        this.connection.stream.destroy();
        throw error;
      });
    }
    super.connect((error: Error | null) => {
      if (error) {
        this.connection.stream.destroy();
        (callback as (error: Error) => void)(error);
      } else {
        (callback as (error: null, client: pg.Client) => void)(null, this);
      }
    });
  }
}
