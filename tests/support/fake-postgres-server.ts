import { createServer, type Server, type Socket } from 'node:net';

/** What a {@link FakePostgresServer} does with a client. */
export type FakeServerBehaviour =
  /** Accepts the connection and never sends a byte (a hung server, a black-holed port). */
  | 'silent'
  /**
   * Answers the startup message with SCRAM-SHA-256 authentication, as a server whose
   * pg_hba.conf requires a password, and then waits: it never closes the connection itself.
   */
  | 'requires-password';

/** A local TCP server that speaks just enough of the PostgreSQL protocol to fail a client. */
export interface FakePostgresServer {
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Resolves when the client closes the `n`-th connection (1-based); the server never does. */
  clientClosed(n: number): Promise<void>;
  close(): Promise<void>;
}

function authMessage(code: number, body: Buffer): Buffer {
  const header = Buffer.alloc(9);
  header.write('R', 0, 'latin1');
  header.writeInt32BE(4 + 4 + body.length, 1);
  header.writeInt32BE(code, 5);
  return Buffer.concat([header, body]);
}

/** Replies to the startup message, then to the SASL initial response, as a real server does. */
function requirePassword(socket: Socket): void {
  let messages = 0;
  socket.on('data', () => {
    messages += 1;
    // 1: StartupMessage → AuthenticationSASL (10) listing SCRAM-SHA-256.
    if (messages === 1) socket.write(authMessage(10, Buffer.from('SCRAM-SHA-256\0\0', 'latin1')));
    // 2: SASLInitialResponse → AuthenticationSASLContinue (11) with a server-first-message.
    if (messages === 2) {
      socket.write(authMessage(11, Buffer.from('r=clientnonceservernonce,s=c2FsdA==,i=4096')));
    }
  });
}

/** Starts a fake server on a free port of 127.0.0.1. */
export async function startFakePostgresServer(
  behaviour: FakeServerBehaviour,
): Promise<FakePostgresServer> {
  const closes: Promise<void>[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    closes.push(
      new Promise((resolve) => {
        socket.once('close', () => {
          sockets.delete(socket);
          resolve();
        });
      }),
    );
    socket.on('error', () => {
      // A client that destroys its socket may reset it; the close event is what tests wait for.
    });
    if (behaviour === 'requires-password') requirePassword(socket);
    // Read (and drop) what a silent server receives: a paused socket never sees the client's FIN.
    else socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return {
    port: address.port,
    get accepted() {
      return closes.length;
    },
    async clientClosed(n) {
      while (closes.length < n) await new Promise((resolve) => setTimeout(resolve, 10));
      await closes[n - 1];
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const socket of sockets) socket.destroy();
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
      }),
  };
}
