/**
 * Runs tasks one after another per key (a file path), across every `FileStateStore` of the
 * process: two batches finishing at once can no longer interleave their read-modify-write of
 * the same file and lose records (the published store did, under `maxConcurrentBatches > 1`).
 */
const tails = new Map<string, Promise<unknown>>();

export function runExclusive<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = tails.get(key) ?? Promise.resolve();
  // The next task starts after this one whatever its outcome; its own error goes to its caller.
  const run = previous.then(task, task);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  tails.set(key, tail);
  void tail.then(() => {
    if (tails.get(key) === tail) tails.delete(key);
  });
  return run;
}
