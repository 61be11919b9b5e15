export { InMemoryDistributedStateStore } from './in-memory-distributed-state-store';
export { computeProgress } from './progress';
export { InMemoryStateStore } from './in-memory-state-store';
export type { InMemoryStateStoreOptions } from './in-memory-state-store';
