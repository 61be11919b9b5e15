import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otelRequestedByEnv } from '../../src/cli/otel-sdk';
import { requireBuiltCli, runCli, runCliOk, workArgs, type PreparedJson } from './built-cli';

/** Makes the CLI process run as if @opentelemetry/sdk-node (a dev dependency here) were absent. */
const WITHOUT_SDK = {
  NODE_OPTIONS: `--import ${fileURLToPath(new URL('../fixtures/hide-packages.mjs', import.meta.url))}`,
  HIDE_PACKAGES: '@opentelemetry/sdk-node',
};

let dir: string;

beforeAll(async () => {
  requireBuiltCli();
  dir = await mkdtemp(join(tmpdir(), 'cli-otel-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// This repository installs @opentelemetry/api and @opentelemetry/sdk-node (dev dependencies);
// hidden from the CLI's process, the CLI must say what to install.
describe('--otel without the OpenTelemetry SDK installed', () => {
  it('is a usage error naming the packages to install', async () => {
    const run = await runCli(['--otel', 'list', '--store', `sqlite:${join(dir, 'a.sqlite')}`], {
      cwd: dir,
      env: WITHOUT_SDK,
    });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('--otel: OpenTelemetry needs @opentelemetry/sdk-node');
    expect(run.stderr).toContain('npm install @opentelemetry/api @opentelemetry/sdk-node');
  });

  it('OTEL_* variables alone warn and run the command without telemetry', async () => {
    const run = await runCli(['--version'], {
      cwd: dir,
      env: { ...WITHOUT_SDK, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' },
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

/** An OTLP/HTTP receiver of the test's: keeps the body of every POST, by path. */
async function otlpReceiver(): Promise<{
  server: Server;
  url: string;
  posts: Map<string, string[]>;
}> {
  const posts = new Map<string, string[]>();
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      posts.set(path, [...(posts.get(path) ?? []), body]);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${String(port)}`, posts };
}

interface OtlpSpan {
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
}

/** Every span of the OTLP/JSON trace exports received. */
function spansOf(bodies: readonly string[]): OtlpSpan[] {
  type Export = { resourceSpans?: { scopeSpans?: { spans?: OtlpSpan[] }[] }[] };
  return bodies.flatMap((body) =>
    ((JSON.parse(body) as Export).resourceSpans ?? []).flatMap((r) =>
      (r.scopeSpans ?? []).flatMap((s) => s.spans ?? []),
    ),
  );
}

describe('--otel with @opentelemetry/sdk-node installed', () => {
  it('prepare and work send one trace to the OTLP endpoint', async () => {
    const receiver = await otlpReceiver();
    try {
      const csv = join(dir, 'users.csv');
      const schema = join(dir, 'schema.json');
      const processor = join(dir, 'processor.mjs');
      const lines = ['id,email'];
      for (let id = 1; id <= 120; id += 1) lines.push(`${id},user${id}@example.com`);
      await writeFile(csv, `${lines.join('\n')}\n`);
      await writeFile(
        schema,
        JSON.stringify({
          fields: [
            { name: 'id', type: 'number', required: true },
            { name: 'email', type: 'email', required: true },
          ],
        }),
      );
      await writeFile(processor, 'export default async function processor() {}\n');
      const store = `sqlite:${join(dir, 'otlp.sqlite')}`;
      const env = {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_SERVICE_NAME: 'cli-otel-test',
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
      };
      const prepared = JSON.parse(
        await runCliOk(
          [
            '--otel',
            'prepare',
            csv,
            '--schema',
            schema,
            '--store',
            store,
            '--batch-size',
            '50',
            '--json',
          ],
          { cwd: dir, env },
        ),
      ) as PreparedJson;
      expect(prepared.totalBatches).toBe(3);
      await runCliOk(
        ['--otel', ...workArgs({ jobId: prepared.jobId, store, schema, processor, quiet: true })],
        { cwd: dir, env },
      );
      // Each process flushed its spans on exit; the worker read the prepare's trace context.
      const spans = spansOf(receiver.posts.get('/v1/traces') ?? []);
      const named = (name: string) => spans.filter((s) => s.name === `${name} ${prepared.jobId}`);
      expect(named('prepare')).toHaveLength(1);
      expect(named('process')).toHaveLength(3);
      expect(named('finalize')).toHaveLength(1);
      const root = named('prepare')[0] as OtlpSpan;
      expect(named('process').every((s) => s.parentSpanId === root.spanId)).toBe(true);
      expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([root.traceId]));
    } finally {
      receiver.server.close();
    }
  });
});
