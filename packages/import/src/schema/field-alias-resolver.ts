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
  /** The key list last resolved, where each of its keys goes, and whether that changes nothing. */
  private lastKeys: readonly string[] = [];
  private lastTargets: readonly (string | undefined)[] = [];
  private lastUnchanged = true;

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
    const keys = Object.keys(record);
    return this.build(record, keys, this.targetsOf(keys));
  }

  /**
   * As {@link resolve}, but `record` itself when resolving would rename or drop no key: for
   * callers that copy the record before changing anything.
   */
  resolveShared(record: RawRecord): RawRecord {
    if (this.fieldCount === 0) return record;
    const keys = Object.keys(record);
    const targets = this.targetsOf(keys);
    return this.lastUnchanged ? record : this.build(record, keys, targets);
  }

  private build(
    record: RawRecord,
    keys: readonly string[],
    targets: readonly (string | undefined)[],
  ): RawRecord {
    const resolved: RawRecord = {};
    for (let i = 0; i < keys.length; i += 1) {
      const target = targets[i];
      if (target !== undefined) defineField(resolved, target, record[keys[i] as string]);
    }
    return resolved;
  }

  /**
   * Where each key's value goes (`undefined`: dropped, an earlier key filled its field). Records
   * of one source repeat the same keys in the same order, so the last key list's answer is kept
   * and reused while the keys stay the same.
   */
  private targetsOf(keys: readonly string[]): readonly (string | undefined)[] {
    const last = this.lastKeys;
    if (keys.length === last.length) {
      let same = true;
      for (let i = 0; i < keys.length; i += 1) {
        if (keys[i] !== last[i]) {
          same = false;
          break;
        }
      }
      if (same) return this.lastTargets;
    }
    const filled = new Set<string>();
    const targets = keys.map((key) => {
      const canonical = this.canonicalName(key);
      if (canonical === null) return key;
      if (filled.has(canonical)) return undefined;
      filled.add(canonical);
      return canonical;
    });
    this.lastKeys = keys;
    this.lastTargets = targets;
    this.lastUnchanged = targets.every((target, i) => target === keys[i]);
    return targets;
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
