import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { JobNotFoundError } from '@batchactions/core';
import { JobCommandError } from '../../src/cli/cli-errors';
import { describeError, scrubSecrets } from '../../src/cli/format';
import { runAction } from '../../src/cli/run-action';

async function failureOf(body: () => Promise<void>, jobId?: string): Promise<unknown> {
  return runAction(new Command('x'), body, jobId).then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('runAction names the job of every failure', () => {
  it('prefixes the job id to a failure that does not name it', async () => {
    const cause = new Error('socket hang up');
    const error = await failureOf(
      () => Promise.reject(new Error('write failed', { cause })),
      'job-7',
    );
    expect(error).toBeInstanceOf(JobCommandError);
    expect(describeError(error)).toBe('job job-7: write failed\n  caused by: socket hang up');
  });

  it('takes the job id an error carries when the command has none', async () => {
    const failure = Object.assign(new Error('input ended inside a quoted field'), {
      jobId: 'job-9',
    });
    const error = await failureOf(() => Promise.reject(failure));
    expect(describeError(error)).toBe('job job-9: input ended inside a quoted field');
  });

  it('leaves an error that names its job alone', async () => {
    const failure = new JobNotFoundError('job-3');
    expect(await failureOf(() => Promise.reject(failure), 'job-3')).toBe(failure);
  });
});

describe('scrubSecrets', () => {
  it('redacts every URL in a text, keeping the punctuation after it', () => {
    expect(
      scrubSecrets(
        'at postgres://u:pw@h/db?password=x: refused; see https://e.example/a?sig=s, then retry',
      ),
    ).toBe(
      'at postgres://u:***@h/db?password=***: refused; see https://e.example/a?sig=***, then retry',
    );
  });
});
