import type { RawRecord } from '@batchactions/core';
import type { FieldDefinition } from './schema-definition';

/**
 * Renames alias and case-variant keys to canonical field names, as published: a table maps every
 * lower-cased field name and alias to its field (later entries win on collisions); each key of a
 * record, in key order, goes to its canonical name unless an earlier key already filled it (the
 * later key is then dropped); keys no field claims are kept unchanged.
 */
export class FieldAliasResolver {
  /** Lower-cased name or alias → canonical name. */
  private readonly byLowerName = new Map<string, string>();
  /** Source key → canonical name (or `undefined` for unclaimed keys); headers repeat forever. */
  private readonly keyCache = new Map<string, string | null>();
  private readonly fieldCount: number;

  constructor(fields: readonly FieldDefinition[]) {
    this.fieldCount = fields.length;
    for (const field of fields) {
      this.byLowerName.set(field.name.toLowerCase(), field.name);
      for (const alias of field.aliases ?? []) {
        this.byLowerName.set(alias.toLowerCase(), field.name);
      }
    }
  }

  /** True when the table holds more distinct names than there are fields (some alias exists). */
  get hasAliases(): boolean {
    return this.byLowerName.size > this.fieldCount;
  }

  /** The canonical name for a source key, or `null` when no field claims it. */
  canonicalName(key: string): string | null {
    let canonical = this.keyCache.get(key);
    if (canonical !== undefined) return canonical;
    canonical = this.byLowerName.get(key.toLowerCase()) ?? null;
    if (this.keyCache.size < MAX_CACHED_KEYS) this.keyCache.set(key, canonical);
    return canonical;
  }

  /** A new record with canonical keys; the record itself when the schema has no fields. */
  resolve(record: RawRecord): RawRecord {
    if (this.fieldCount === 0) return record;
    const resolved: RawRecord = {};
    const filled = new Set<string>();
    for (const key of Object.keys(record)) {
      const canonical = this.canonicalName(key);
      if (canonical === null) {
        defineField(resolved, key, record[key]);
      } else if (!filled.has(canonical)) {
        filled.add(canonical);
        defineField(resolved, canonical, record[key]);
      }
    }
    return resolved;
  }
}

/** Distinct source keys remembered; beyond this, keys are looked up without caching. */
const MAX_CACHED_KEYS = 4096;

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
