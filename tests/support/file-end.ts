/**
 * Work to do once the current test file has finished (the test databases kept for reuse are
 * dropped, shared admin connections closed). `tests/support/file-end-hook.ts`, a vitest setup
 * file, runs it after each file; this module imports nothing, so that files which never need it
 * pay nothing.
 */
const tasks: (() => Promise<void>)[] = [];

/** Runs `task` after the current test file's last test. */
export function whenFileEnds(task: () => Promise<void>): void {
  tasks.push(task);
}

/** Runs the registered tasks in reverse order of registration; all run even if one fails. */
export async function runFileEndTasks(): Promise<void> {
  const failures: unknown[] = [];
  for (const task of tasks.splice(0).reverse()) {
    await task().catch((error: unknown) => failures.push(error));
  }
  if (failures.length > 0) {
    throw new AggregateError(failures, 'cleaning up after the test file failed');
  }
}
