// `node --import ./bench/hide-otel-api.mjs ...`: the process runs as if @opentelemetry/api were
// not installed (its resolution fails with ERR_MODULE_NOT_FOUND, as on a user's machine without
// it), for bench/otel-overhead.mjs.
import { register } from 'node:module';

const hook = `
export async function resolve(specifier, context, next) {
  if (specifier === '@opentelemetry/api') {
    const error = new Error("Cannot find package '@opentelemetry/api' imported from " + context.parentURL);
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);
