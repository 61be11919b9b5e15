import { createServer, type Server, type ServerResponse } from 'node:http';
import { closeServer, listenOnLocalhost } from '../support/range-server';

/**
 * A local HTTP server of one text body that a test holds at a known point: a whole-body GET sends
 * the first `heldAt` bytes, then waits for {@link GatedHttpServer.release} before the rest, so a
 * `prepare` reading it is known to be running (and stalled) until the test lets it go on. A GET
 * with `Range: bytes=N-` (a resumed prepare) gets a 206 from byte N at once.
 */
export interface GatedHttpServer {
  /** The body's URL; its path ends with `name`, which tells the CLI the format. */
  readonly url: string;
  /** The `Range` header of each request, in order (`undefined` for a whole-body GET). */
  readonly ranges: (string | undefined)[];
  /** Resolves when a whole-body GET has been answered up to the gate. */
  readonly heldRequest: () => Promise<void>;
  /** Lets every held and later whole-body GET send the rest. */
  readonly release: () => void;
  readonly close: () => Promise<void>;
}

/** Ends `response` with `rest` unless the client went away meanwhile (a killed prepare). */
function endUnlessGone(response: ServerResponse, rest: Buffer): void {
  if (response.destroyed) return;
  response.end(rest);
}

export async function startGatedHttpServer(
  name: string,
  body: string,
  heldAt: number,
): Promise<GatedHttpServer> {
  const bytes = Buffer.from(body, 'utf8');
  const ranges: (string | undefined)[] = [];
  // A validator, as any file server sends: a resumed prepare can tell the file did not change.
  const etag = `"${bytes.length.toString(16)}-gated"`;
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let onHeld!: () => void;
  const held = new Promise<void>((resolve) => {
    onHeld = resolve;
  });
  const server: Server = createServer((request, response) => {
    if (new URL(request.url ?? '/', 'http://x').pathname !== `/${name}`) {
      response.writeHead(404).end();
      return;
    }
    const range = request.headers.range;
    ranges.push(range);
    const match = range === undefined ? null : /^bytes=(\d+)-$/.exec(range);
    if (match === null) {
      response.writeHead(200, { 'content-length': bytes.length, 'accept-ranges': 'bytes', etag });
      response.write(bytes.subarray(0, heldAt), () => {
        onHeld();
      });
      void released.then(() => {
        endUnlessGone(response, bytes.subarray(heldAt));
      });
      return;
    }
    const start = Number(match[1]);
    if (start >= bytes.length) {
      response.writeHead(416, { 'content-range': `bytes */${bytes.length}` }).end();
      return;
    }
    response.writeHead(206, {
      'content-length': bytes.length - start,
      'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}`,
      etag,
    });
    response.end(bytes.subarray(start));
  });
  const port = await listenOnLocalhost(server);
  return {
    url: `http://127.0.0.1:${port}/${name}`,
    ranges,
    heldRequest: () => held,
    release,
    close: () => closeServer(server),
  };
}
