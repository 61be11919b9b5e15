#!/usr/bin/env node
import { runCli } from './program';

// The exit code is set rather than forced, so output still buffered is written before exit.
process.exitCode = await runCli(process.argv);
