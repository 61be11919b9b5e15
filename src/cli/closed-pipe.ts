/**
 * Output to a reader that went away (`batchactions-distributed failed <job> | head`): the
 * write fails with EPIPE, which Node reports as an `'error'` event on the stream; unhandled, it
 * ends the process with a stack trace and exit code 1. Here the stream is taken as closed:
 * nothing more is written to it, the command goes on (a `prepare --open-early | head -1` keeps
 * storing its records, a `work` keeps processing) and ends with its own exit code, 0 when it
 * succeeded.
 */
export function endQuietlyOnClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
      // Another output failure (a full disk behind a redirection): the command's result is
      // incomplete; say so where possible and fail.
      process.exitCode = 1;
      if (stream !== process.stderr) {
        process.stderr.write(`error: cannot write the output: ${error.message}\n`);
      }
    });
  }
}
