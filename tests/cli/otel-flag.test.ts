import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otelRequestedByEnv } from '../../src/cli/otel-sdk';
import { requireBuiltCli, runCli } from './built-cli';

let dir: string;

beforeAll(async () => {
  requireBuiltCli();
  dir = await mkdtemp(join(tmpdir(), 'cli-otel-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// This repository installs @opentelemetry/api (a dev dependency) but not
// @opentelemetry/sdk-node: the CLI must say what to install.
describe('--otel without the OpenTelemetry SDK installed', () => {
  it('is a usage error naming the packages to install', async () => {
    const run = await runCli(['--otel', 'list', '--store', `sqlite:${join(dir, 'a.sqlite')}`], {
      cwd: dir,
    });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('--otel: OpenTelemetry needs @opentelemetry/sdk-node');
    expect(run.stderr).toContain('npm install @opentelemetry/api @opentelemetry/sdk-node');
  });

  it('OTEL_* variables alone warn and run the command without telemetry', async () => {
    const run = await runCli(['--version'], {
      cwd: dir,
      env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('warning: OTEL_* variables are set');
    expect(run.stderr).toContain('npm install @opentelemetry/api @opentelemetry/sdk-node');
  });
});

describe('otelRequestedByEnv', () => {
  it('reads the standard variables', () => {
    expect(otelRequestedByEnv({})).toBe(false);
    expect(otelRequestedByEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:4318' })).toBe(true);
    expect(otelRequestedByEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://x' })).toBe(true);
    expect(otelRequestedByEnv({ OTEL_TRACES_EXPORTER: 'otlp' })).toBe(true);
    expect(otelRequestedByEnv({ OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
    expect(
      otelRequestedByEnv({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x' }),
    ).toBe(false);
  });
});
