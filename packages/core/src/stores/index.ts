export { InMemoryDistributedStateStore } from './in-memory-distributed-state-store';
export { computeProgress } from './progress';
