import type { RawRecord, ValidationError } from '@batchactions/core';
import type { SchemaValidator } from '../schema/schema-validator';

/**
 * The `uniqueFields` registry of one `BulkImport` (published: `Map<field, Set<value>>` filled by
 * `validateUniqueness`), spanning every run of the instance. Fix of defect 6 (first part): the
 * values a record registered are released when that record fails later (duplicate checker,
 * hook or processor), so a later good record with the same value is not rejected.
 */
export class UniqueValueRegistry {
  private readonly seen = new Map<string, Set<unknown>>();
  /** Values registered by records that have not finished yet, by the record's transformed object. */
  private readonly claims = new WeakMap<RawRecord, [string, unknown][]>();

  constructor(private readonly validator: SchemaValidator) {}

  /** `DUPLICATE_VALUE` errors for values already registered; registers the new ones. */
  check(record: RawRecord): ValidationError[] {
    if (!this.validator.hasUniqueFields) return [];
    const before = this.snapshotSizes();
    const errors = this.validator.validateUniqueness(record, this.seen);
    const added: [string, unknown][] = [];
    for (const field of this.validator.uniqueFields) {
      const set = this.seen.get(field);
      if (set === undefined || set.size === (before.get(field) ?? 0)) continue;
      const value = record[field];
      added.push([field, typeof value === 'string' ? value.toLowerCase() : value]);
    }
    if (added.length > 0) this.claims.set(record, added);
    return errors;
  }

  /** Forgets the values `record` (a transformed record returned by `check`'s caller) registered. */
  release(record: RawRecord): void {
    const added = this.claims.get(record);
    if (added === undefined) return;
    this.claims.delete(record);
    for (const [field, key] of added) this.seen.get(field)?.delete(key);
  }

  private snapshotSizes(): Map<string, number> {
    const sizes = new Map<string, number>();
    for (const [field, set] of this.seen) sizes.set(field, set.size);
    return sizes;
  }
}
