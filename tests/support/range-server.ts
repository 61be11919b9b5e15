import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** A local HTTP server of the files of a directory that honours `Range: bytes=N-` (206). */
export interface RangeServer {
  readonly url: (file: string) => string;
  /** The `Range` header of each request, in order (`undefined` for a whole-file GET). */
  readonly ranges: (string | undefined)[];
  readonly close: () => Promise<void>;
}

export async function startRangeServer(dir: string): Promise<RangeServer> {
  const ranges: (string | undefined)[] = [];
  const server: Server = createServer((request, response) => {
    const path = join(dir, decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname));
    let size: number;
    try {
      size = statSync(path).size;
    } catch (error) {
      response.writeHead(404).end(String(error));
      return;
    }
    const range = request.headers.range;
    ranges.push(range);
    const match = range === undefined ? null : /^bytes=(\d+)-$/.exec(range);
    if (match === null) {
      response.writeHead(200, { 'content-length': size, 'accept-ranges': 'bytes' });
      createReadStream(path).pipe(response);
      return;
    }
    const start = Number(match[1]);
    if (start >= size) {
      response.writeHead(416, { 'content-range': `bytes */${size}` }).end();
      return;
    }
    response.writeHead(206, {
      'content-length': size - start,
      'content-range': `bytes ${start}-${size - 1}/${size}`,
    });
    createReadStream(path, { start }).pipe(response);
  });
  const port = await listenOnLocalhost(server);
  return {
    url: (file) => `http://127.0.0.1:${port}/${file}`,
    ranges,
    close: () => closeServer(server),
  };
}

/** Starts `server` on a free port of 127.0.0.1 and returns the port. */
export async function listenOnLocalhost(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Closes `server` and every connection still open to it. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.closeAllConnections();
    server.close((error) => {
      if (error) reject(error);
      else resolve();
    });
  });
}
