#!/usr/bin/env node
import { runInit } from './run-init';

process.exitCode = runInit(process.argv.slice(2), process.cwd(), {
  out: (line) => {
    console.log(line);
  },
  err: (line) => {
    console.error(line);
  },
});
