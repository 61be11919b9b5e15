import { describeDistributedStateStore } from '@batchactions/core/testing';
import { InMemoryDistributedStateStore } from '@batchactions/core';

describeDistributedStateStore(
  'InMemoryDistributedStateStore',
  () => new InMemoryDistributedStateStore(),
);
