import type { DistributedStateStore } from '@batchactions/core';

type Method = keyof DistributedStateStore;

/** Replacements for some methods; each gets the real method (bound to the store) first. */
export type Interceptors = {
  [M in Method]?: (
    real: NonNullable<DistributedStateStore[M]>,
    ...args: Parameters<NonNullable<DistributedStateStore[M]> & ((...a: never[]) => unknown)>
  ) => ReturnType<NonNullable<DistributedStateStore[M]> & ((...a: never[]) => unknown)>;
};

/**
 * `store` with some methods intercepted (to count calls, hold them at a barrier, or inject a
 * fault), every other property passed through. Methods the store lacks stay absent.
 */
export function interceptStore(
  store: DistributedStateStore,
  interceptors: Interceptors,
): DistributedStateStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const real = (value as (...args: unknown[]) => unknown).bind(target);
      const intercept = interceptors[property as Method] as
        ((real: unknown, ...args: unknown[]) => unknown) | undefined;
      return intercept ? (...args: unknown[]) => intercept(real, ...args) : real;
    },
  });
}

/** A promise and the function that resolves it: a barrier a test opens when it chooses. */
export function barrier(): { readonly opened: Promise<void>; readonly open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/** A dropped connection, as drivers report it (a store error, not a parse error). */
export function connectionLost(): Error {
  return Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });
}
