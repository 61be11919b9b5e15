import type { SingleBar } from 'cli-progress';
import { formatCount, formatDuration } from '../format';

/** A snapshot of processing progress. */
export interface ProgressSnapshot {
  /** Records finished (processed + failed). */
  readonly done: number;
  readonly failed: number;
  /** Milliseconds since processing started. */
  readonly elapsedMs: number;
}

/** Shows processing progress: a live bar on a terminal, plain lines elsewhere. */
export interface ProgressDisplay {
  update(snapshot: ProgressSnapshot): void;
  /** Shows the last snapshot and releases the terminal line. */
  stop(): void;
}

function rateAndEta(total: number, snapshot: ProgressSnapshot): { rate: string; eta: string } {
  const perSecond = snapshot.elapsedMs > 0 ? (snapshot.done * 1000) / snapshot.elapsedMs : 0;
  const eta =
    perSecond > 0 ? formatDuration(((total - snapshot.done) / perSecond) * 1000) : 'unknown';
  return { rate: `${formatCount(perSecond)} records/s`, eta };
}

class BarDisplay implements ProgressDisplay {
  constructor(
    private readonly total: number,
    private readonly bar: SingleBar,
  ) {
    this.bar.start(total, 0, { rate: '0 records/s', etaText: 'unknown', failed: 0 });
  }

  update(snapshot: ProgressSnapshot): void {
    const { rate, eta } = rateAndEta(this.total, snapshot);
    this.bar.update(snapshot.done, { rate, etaText: eta, failed: snapshot.failed });
  }

  stop(): void {
    this.bar.stop();
  }
}

/** For logs and pipes: one line per second at most, and one at the end. */
class LineDisplay implements ProgressDisplay {
  private lastPrinted = Number.NEGATIVE_INFINITY;
  private last: ProgressSnapshot | undefined;
  private printed: ProgressSnapshot | undefined;

  constructor(
    private readonly total: number,
    private readonly stream: NodeJS.WritableStream,
  ) {}

  update(snapshot: ProgressSnapshot): void {
    this.last = snapshot;
    const now = performance.now();
    if (now - this.lastPrinted < 1000) return;
    this.lastPrinted = now;
    this.print(snapshot);
  }

  stop(): void {
    const last = this.last;
    if (last === undefined) return;
    if (last.done !== this.printed?.done || last.failed !== this.printed.failed) this.print(last);
  }

  private print(snapshot: ProgressSnapshot): void {
    const { rate, eta } = rateAndEta(this.total, snapshot);
    const percent = this.total === 0 ? 100 : (snapshot.done / this.total) * 100;
    const line =
      `processing: ${snapshot.done}/${this.total} records (${percent.toFixed(1)}%), ` +
      `${snapshot.failed} failed, ${rate}, ETA ${eta}\n`;
    this.printed = snapshot;
    this.stream.write(line);
  }
}

/**
 * A bar when `stream` is a terminal, else plain progress lines at most every second. The bar's
 * library is loaded only then, so that the other commands (`work` included) do not load it; it
 * weighs little once the CLI's other modules are loaded (0.3–0.6 MB of resident memory measured).
 */
export async function createProgressDisplay(
  total: number,
  stream: NodeJS.WriteStream = process.stdout,
): Promise<ProgressDisplay> {
  if (!stream.isTTY) return new LineDisplay(total, stream);
  const { SingleBar, Presets } = await import('cli-progress');
  const bar = new SingleBar(
    {
      format:
        'processing |{bar}| {percentage}% | {value}/{total} records | {rate} | ETA {etaText} | failed {failed}',
      stream,
      hideCursor: true,
      clearOnComplete: false,
      fps: 10,
    },
    Presets.shades_classic,
  );
  return new BarDisplay(total, bar);
}
