import { CliUsageError } from './cli-errors';
import type { OpenTelemetryOptions } from '@batchactions/core';
import { isPackageMissing, loadOtelApi, OTEL_API_PACKAGE } from '@batchactions/core/telemetry';

/** The flag that starts the OpenTelemetry SDK (`batchactions-distributed --otel work ...`). */
export const OTEL_FLAG = '--otel';

/** The SDK the CLI starts: the Node.js SDK, with the OTLP exporters it configures from OTEL_*. */
const SDK_PACKAGE = '@opentelemetry/sdk-node';

/** The part of `@opentelemetry/sdk-node` the CLI uses. */
interface NodeSdkModule {
  NodeSDK: new () => { start(): void; shutdown(): Promise<void> };
}

/** What the commands pass to `DistributedImport` (`openTelemetry`), set once the SDK started. */
let commandOptions: OpenTelemetryOptions = {};

/** The `openTelemetry` option of the importers the commands make. */
export function cliOpenTelemetry(): OpenTelemetryOptions {
  return commandOptions;
}

/**
 * True when the environment asks for telemetry with the standard variables: an OTLP endpoint, or
 * a traces exporter other than `none`; `OTEL_SDK_DISABLED=true` wins.
 */
export function otelRequestedByEnv(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED === 'true') return false;
  const exporter = env.OTEL_TRACES_EXPORTER;
  return (
    env.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined ||
    env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined ||
    (exporter !== undefined && exporter !== 'none')
  );
}

/** The packages of `names` that are not installed. */
async function missingPackages(): Promise<string[]> {
  const missing: string[] = [];
  if ((await loadOtelApi()) === undefined) missing.push(OTEL_API_PACKAGE);
  return missing;
}

async function loadSdk(): Promise<NodeSdkModule | undefined> {
  // A name in a variable: the package is optional, and its types are not installed here.
  const name: string = SDK_PACKAGE;
  try {
    return (await import(name)) as NodeSdkModule;
  } catch (error) {
    if (isPackageMissing(error, SDK_PACKAGE)) return undefined;
    throw error;
  }
}

/**
 * Starts the Node.js OpenTelemetry SDK (its OTLP exporter configured from the standard OTEL_*
 * variables) when `--otel` is given or the environment asks for it, and makes the commands'
 * importers store the trace context with their jobs. Returns the SDK's shutdown (which flushes
 * what is buffered), or `undefined` when nothing was started.
 *
 * Without the packages: `--otel` is a usage error naming them; the environment alone gets a
 * warning on stderr and the command runs without telemetry.
 */
export async function startCliTelemetry(
  flagGiven: boolean,
  env: NodeJS.ProcessEnv,
): Promise<(() => Promise<void>) | undefined> {
  if (!flagGiven && !otelRequestedByEnv(env)) return undefined;
  const sdkModule = await loadSdk();
  const missing = [...(await missingPackages()), ...(sdkModule ? [] : [SDK_PACKAGE])];
  if (sdkModule === undefined || missing.length > 0) {
    const message =
      `OpenTelemetry needs ${missing.join(' and ')}: ` +
      `npm install ${[OTEL_API_PACKAGE, SDK_PACKAGE].join(' ')}`;
    if (flagGiven) throw new CliUsageError(`${OTEL_FLAG}: ${message}`);
    process.stderr.write(
      `warning: OTEL_* variables are set, but ${message}; running without telemetry\n`,
    );
    return undefined;
  }
  const sdk = new sdkModule.NodeSDK();
  sdk.start();
  commandOptions = { propagateContext: true };
  return () => sdk.shutdown();
}
