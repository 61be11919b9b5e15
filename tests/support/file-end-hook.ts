import { afterAll } from 'vitest';
import { runFileEndTasks } from './file-end';

// A vitest setup file (vitest.config.ts): runs once per test file, before it.
afterAll(runFileEndTasks);
