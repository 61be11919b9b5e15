import { readFile } from 'node:fs/promises';
import { BufferSource, InMemoryDistributedStateStore, getErrors } from '@batchactions/core';
import { CsvParser } from '@batchactions/import';
import { beforeAll, describe, expect, it } from 'vitest';
import { DistributedImport } from '../../src/index';
import { workerLoop } from '../support/workers';
import { requireBuiltCli, runCliOk } from './built-cli';

// The command line is documented in docs/cli.md; row numbers and duplicates in docs/bad-input.md.
let cli: string;
let badInput: string;

beforeAll(async () => {
  requireBuiltCli();
  cli = await readFile(new URL('../../docs/cli.md', import.meta.url), 'utf8');
  badInput = await readFile(new URL('../../docs/bad-input.md', import.meta.url), 'utf8');
});

describe('docs, command line and bad input pages', () => {
  it('quotes the DUPLICATE_VALUE message workers really write, with the row numbering it documents', async () => {
    const store = new InMemoryDistributedStateStore();
    const importer = new DistributedImport({
      schema: {
        fields: [{ name: 'email', type: 'email', required: true }],
        uniqueFields: ['email'],
      },
      stateStore: store,
      batchSize: 1,
      jobWideUniqueFields: true,
    });
    const csv = 'email\nann@example.com\nbob@example.com\nann@example.com\n';
    const { jobId } = await importer.prepare(new BufferSource(csv), new CsvParser());
    await workerLoop(importer, jobId, () => undefined, 'w');
    const [duplicate] = await store.getFailedRecords(jobId);
    const message = getErrors(duplicate?.errors ?? [])[0]?.message ?? '';
    // Row 1 (the first record, the line after the header) holds the value.
    expect(message).toBe(
      'Field "email" has duplicate value "ann@example.com": row 1 already has it',
    );
    expect(badInput).toContain(`\`${message}\``);
    // The failed export names the duplicate itself as row 3: the same numbering.
    const [report] = await importer.getFailedRecords(jobId);
    expect(report?.row).toBe(3);
  });

  it("documents each command's options as its --help prints them", async () => {
    for (const command of [
      'demo',
      'prepare',
      'work',
      'status',
      'list',
      'failed',
      'purge',
      'doctor',
    ]) {
      const help = await runCliOk([command, '--help']);
      const options = [...help.matchAll(/^ {2}(--[a-z-]+)/gm)].map((m) => m[1] ?? '');
      expect(options.length).toBeGreaterThan(0);
      for (const option of options) {
        if (option === '--help') continue;
        expect(cli, `${command} ${option}`).toContain(option);
      }
    }
    // Help text wraps at the terminal width: compare with single spaces.
    const work = (await runCliOk(['work', '--help'])).replace(/\s+/g, ' ');
    expect(work).toContain('<host name>-<pid>-<8 random hex digits>');
    expect(cli).toContain('`<host name>-<pid>-<8 random hex digits>`');
    for (const required of ['--processor', '--schema', '--store']) {
      expect(work).toMatch(new RegExp(`${required} <[a-z]+>[\\s\\S]*?\\(required\\)`));
    }
  });
});
