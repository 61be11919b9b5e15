import type { RawRecord } from '@batchactions/core';
import type { FieldDefinition } from './schema-definition';
import { isMissingValue } from './missing-value';

/** Distinct source keys remembered; beyond this, keys are looked up without caching. */
const MAX_CACHED_KEYS = 4096;

/** Renames alias and case-variant keys of raw records to canonical field names. */
export class FieldAliasResolver {
  /** Lower-cased name or alias → canonical name. */
  private readonly byLowerName = new Map<string, string>();
  /** Source key → canonical name (or the key itself when unknown); CSV headers repeat forever. */
  private readonly keyCache = new Map<string, string>();

  constructor(fields: readonly FieldDefinition[]) {
    for (const field of fields) {
      this.byLowerName.set(field.name.toLowerCase(), field.name);
      for (const alias of field.aliases ?? [])
        this.byLowerName.set(alias.toLowerCase(), field.name);
      this.keyCache.set(field.name, field.name);
    }
  }

  /** The canonical name for a source key, or the key itself when no field claims it. */
  canonicalName(key: string): string {
    const cached = this.keyCache.get(key);
    if (cached !== undefined) return cached;
    const canonical = this.byLowerName.get(key.toLowerCase()) ?? key;
    if (this.keyCache.size < MAX_CACHED_KEYS) this.keyCache.set(key, canonical);
    return canonical;
  }

  /**
   * Returns the record with canonical keys. The input is returned unchanged when every key is
   * already canonical. When two keys map to the same field, a present value beats a missing one,
   * then the exact field name beats an alias, then the first key wins.
   */
  resolve(raw: RawRecord): RawRecord {
    let renames = false;
    for (const key in raw) {
      if (this.canonicalName(key) !== key) {
        renames = true;
        break;
      }
    }
    if (!renames) return raw;
    const resolved: RawRecord = {};
    const fromExactName = new Set<string>();
    for (const key of Object.keys(raw)) {
      const target = this.canonicalName(key);
      const value = raw[key];
      const exact = target === key;
      if (!Object.hasOwn(resolved, target)) {
        defineField(resolved, target, value);
        if (exact) fromExactName.add(target);
        continue;
      }
      const current = resolved[target];
      const currentMissing = isMissingValue(current);
      const valueMissing = isMissingValue(value);
      const wins =
        (currentMissing && !valueMissing) ||
        (currentMissing === valueMissing && exact && !fromExactName.has(target));
      if (wins) {
        defineField(resolved, target, value);
        if (exact) fromExactName.add(target);
      }
    }
    return resolved;
  }
}

/** Assignment that also works for a `__proto__` key (kept as data, never as the prototype). */
export function defineField(record: RawRecord, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(record, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    record[key] = value;
  }
}
