import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The window the target counts requests in (the 100 ms). */
export const WINDOW_MS = 100;

/**
 * When the caller sent the request: the `t` query parameter (epoch ms, the caller's clock, which
 * on one machine is this one), absent when the caller gives none.
 */
function sentAt(url: string | undefined): number | undefined {
  const t = new URL(url ?? '/', 'http://target').searchParams.get('t');
  return t === null ? undefined : Number(t);
}

/**
 * A local HTTP target that counts what a fleet of workers sends it: each request's time per
 * 100 ms window, and how many are in flight at once. A request's time is when its caller sent
 * it (the `t` query parameter) or else its arrival: the send time is what a rate limiter
 * governs, and this process, busy on a loaded machine, can accept within one window requests
 * sent over more than one. Each request takes `serviceMs` to answer. While `storm` is on, it
 * answers 429 with `Retry-After: retryAfterSeconds`.
 */
export class CountingTarget {
  readonly arrivals: number[] = [];
  /** Requests in flight now, and the most ever seen at once (since `resetMaxInFlight`). */
  inFlight = 0;
  maxInFlight = 0;
  storm = false;
  tooManyRequests = 0;
  private server: Server | undefined;

  constructor(
    private readonly serviceMs: number,
    private readonly retryAfterSeconds = 0.5,
  ) {}

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      this.arrivals.push(sentAt(request.url) ?? Date.now());
      this.inFlight += 1;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      const storming = this.storm;
      setTimeout(() => {
        this.inFlight -= 1;
        if (storming) {
          this.tooManyRequests += 1;
          response.writeHead(429, { 'retry-after': String(this.retryAfterSeconds) });
        } else {
          response.writeHead(200);
        }
        response.end();
      }, this.serviceMs);
      request.resume();
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${String(port)}`;
  }

  resetMaxInFlight(): void {
    this.maxInFlight = this.inFlight;
  }

  /** Requests that arrived in [from, to). */
  countBetween(from: number, to: number): number {
    return this.arrivals.filter((t) => t >= from && t < to).length;
  }

  /**
   * The most requests in any `spanMs` made of whole 100 ms windows, between `from` and `to`:
   * the observed rate over the limit's window.
   */
  maxInSpan(from: number, to: number, spanMs: number): number {
    const windows = new Map<number, number>();
    for (const t of this.arrivals) {
      if (t < from || t >= to) continue;
      const w = Math.floor(t / WINDOW_MS);
      windows.set(w, (windows.get(w) ?? 0) + 1);
    }
    const first = Math.floor(from / WINDOW_MS);
    const last = Math.floor(to / WINDOW_MS);
    const span = Math.max(1, Math.round(spanMs / WINDOW_MS));
    let most = 0;
    for (let start = first; start + span - 1 <= last; start += 1) {
      let sum = 0;
      for (let w = start; w < start + span; w += 1) sum += windows.get(w) ?? 0;
      most = Math.max(most, sum);
    }
    return most;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  }
}
