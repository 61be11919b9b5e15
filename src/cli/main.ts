#!/usr/bin/env node
import { endQuietlyOnClosedPipes } from './closed-pipe';
import { runCli } from './program';

endQuietlyOnClosedPipes();

// The exit code is set rather than forced, so output still buffered is written before exit.
process.exitCode = await runCli(process.argv);
// A processor call that ignored its aborted signal (a cancel, `--record-timeout-ms`) may still
// hold the event loop (a socket, a timer) after the command is done; it must not keep the
// process alive. The timer does not hold the process itself, and gives output time to drain.
setTimeout(() => {
  process.exit();
}, 2000).unref();
