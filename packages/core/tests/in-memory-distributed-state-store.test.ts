import type { DistributedStateStore } from '@batchactions/core';
import { describeDistributedStateStore } from '@batchactions/core/testing';
import { InMemoryDistributedStateStore } from '@batchactions/core';

/** Each store's clock: the real one, moved forward by `agePrepareHeartbeat`. */
const clockOffsets = new WeakMap<DistributedStateStore, { ms: number }>();

describeDistributedStateStore(
  'InMemoryDistributedStateStore',
  () => {
    const offset = { ms: 0 };
    const store = new InMemoryDistributedStateStore({ now: () => Date.now() + offset.ms });
    clockOffsets.set(store, offset);
    return store;
  },
  {
    // Moving the store's clock forward ages every heartbeat and claim of the store by as much.
    agePrepareHeartbeat: (store, _jobId, byMs) => {
      const offset = clockOffsets.get(store);
      if (offset === undefined) throw new Error('not a store of this test file');
      offset.ms += byMs;
      return Promise.resolve();
    },
  },
);
