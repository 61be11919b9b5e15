import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { InvalidOptionError } from '@batchactions/core';
import { optionsObject } from '../option-checks';

/** The node options by which a process's starter already chose the young generation's size. */
const SIZE_FLAGS = ['--max-semi-space-size', '--min-semi-space-size', '--semi-space-growth-factor'];

/** Semi-space sizes V8 steps through, doubling from 1 MB (64-bit builds). */
const SEMI_SPACE_SIZES_MB = [1, 2, 4, 8, 16];

/** V8's own growth factor of the young generation (`--semi-space-growth-factor`). */
const V8_GROWTH_FACTOR = 2;

/** Options of `limitYoungGeneration`. */
export interface YoungGenerationOptions {
  /**
   * Largest semi-space, in MB: one of 1, 2, 4, 8, 16. The young generation is two of them.
   * Default `4` (8 MB in all; V8 grows it to two 16 MB semi-spaces in a busy process). Measured
   * on a worker (`bench/memory.mjs`): 4 gave the smallest RSS at about V8's default speed; 1 and
   * 2 cost CPU and grow the old generation instead, since objects of the batch in flight then
   * outlive the young generation.
   */
  readonly semiSpaceMb?: number;
}

/** What `limitYoungGeneration` did. */
export interface YoungGenerationLimit {
  /** True when the limit is set; false when the process's own node options size it. */
  readonly applied: boolean;
  /** The largest semi-space now, in MB, when applied. */
  readonly semiSpaceMb?: number;
  /** The node option found in `process.execArgv` or `NODE_OPTIONS`, when not applied. */
  readonly keptFlag?: string;
}

function givenSizeFlag(): string | undefined {
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  for (const argument of given) {
    const name = (argument.split('=')[0] ?? '').replace(/_/g, '-');
    if (SIZE_FLAGS.includes(name)) return argument;
  }
  return undefined;
}

/**
 * The size of one semi-space of the young generation, in bytes, as V8 has it now (a little
 * under it at times). `space_size` is committed memory: both semi-spaces, or only the active
 * one while V8 has uncommitted the idle one after a scavenge, when half of it would read as a
 * semi-space half its real size; the active semi-space's used plus available bytes is its
 * capacity less V8's own reserve. The larger of the two is taken.
 */
function semiSpaceBytes(): number {
  const newSpace = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space');
  if (newSpace === undefined) return 0;
  return Math.max(
    newSpace.space_size / 2,
    newSpace.space_used_size + newSpace.space_available_size,
  );
}

/** One watcher per process: it holds the cap of the latest call. */
let capBytes = 0;
let growthFactor = V8_GROWTH_FACTOR;
let watcher: PerformanceObserver | undefined;

/**
 * Checks the young generation against the cap now (no-op without `limitYoungGeneration`). The
 * facade calls it around each batch: a worker whose store answers synchronously (SQLite) may go
 * many batches without a turn of the event loop, and so without the `gc` observer's callback.
 *
 * @internal
 */
export function steerYoungGeneration(): void {
  if (capBytes > 0) steer();
}

/**
 * When one more doubling would pass the cap, V8 may not grow the young generation (factor 1);
 * under it (at start, or after V8 shrank it while allocation was slow), it grows by its own
 * factor, one doubling at a time, so that growth missed between two checks passes the cap by
 * one step at most. (Sizes are powers of two: a semi-space over half the cap is at the cap.)
 */
function steer(): void {
  const wanted = semiSpaceBytes() * V8_GROWTH_FACTOR > capBytes ? 1 : V8_GROWTH_FACTOR;
  if (wanted === growthFactor) return;
  setFlagsFromString(`--semi-space-growth-factor=${wanted}`);
  growthFactor = wanted;
}

/**
 * Caps V8's young generation (where short-lived objects are made) at two `semiSpaceMb`
 * semi-spaces for the rest of this process. A busy worker otherwise grows it to two 16 MB
 * semi-spaces within its first batches and keeps them: measured with `bench/memory.mjs`, that is
 * most of what a worker process holds above its code and open store (docs/operations.md,
 * "Worker memory"). `--max-semi-space-size` does the same, but only given when node starts.
 *
 * It acts on the whole process, not on one job: call it once, at the start of a process whose
 * work is a worker loop (the CLI's `work` does). `runWorker` never calls it: a library does not
 * change the heap of the process it runs in unasked. When the process was started with
 * `--max-semi-space-size`, `--min-semi-space-size` or `--semi-space-growth-factor` (in its
 * arguments or in `NODE_OPTIONS`), that choice is kept and nothing is set.
 *
 * How: after each garbage collection (a `gc` performance observer, which does not keep the
 * process alive) it sets V8's `--semi-space-growth-factor` to 1 while the young generation is at
 * the cap and back to V8's 2 below it (V8 shrinks the young generation when allocation slows,
 * and may then grow it back to the cap). V8 reads that flag each time it considers growing the
 * young generation, which is why it takes effect after start-up; node otherwise documents
 * `v8.setFlagsFromString` after start-up as unsupported. The observer's callback runs between
 * turns of the event loop, so `processWorkerBatch` also checks before and after each batch (a
 * SQLite worker may run many batches without a turn). Growth happens during a collection: code
 * that allocates for long without either may take the young generation one step past the cap.
 *
 * @throws InvalidOptionError when `semiSpaceMb` is not one of 1, 2, 4, 8, 16.
 */
export function limitYoungGeneration(options?: YoungGenerationOptions): YoungGenerationLimit {
  const given = optionsObject('options', options);
  const semiSpaceMb = given.semiSpaceMb ?? 4;
  if (!SEMI_SPACE_SIZES_MB.includes(semiSpaceMb)) {
    throw new InvalidOptionError('semiSpaceMb', semiSpaceMb, 'one of 1, 2, 4, 8, 16');
  }
  const keptFlag = givenSizeFlag();
  if (keptFlag !== undefined) return { applied: false, keptFlag };
  capBytes = semiSpaceMb * 2 ** 20;
  steer();
  if (watcher === undefined) {
    watcher = new PerformanceObserver(steer);
    watcher.observe({ entryTypes: ['gc'] });
  }
  return { applied: true, semiSpaceMb };
}
