import type { RawRecord } from '@batchactions/core';
import { defineField } from '../../schema/field-alias-resolver';

/**
 * Collects one record element: its attributes, then its child elements' text (child elements
 * override attributes of the same name; a child element that repeats yields an array of texts).
 */
export class XmlRecordBuilder {
  private readonly attributes: Readonly<Record<string, string>>;
  private readonly fields = new Map<string, string | string[]>();
  private fieldName: string | undefined;
  private text: string[] = [];

  constructor(attributes: Readonly<Record<string, string>>) {
    this.attributes = attributes;
  }

  /** A child element of the record opens. */
  openField(name: string): void {
    this.fieldName = name;
    this.text = [];
  }

  /** Text (or CDATA) anywhere inside the current child element, nested elements included. */
  addText(text: string): void {
    if (this.fieldName !== undefined) this.text.push(text);
  }

  /** The current child element closes. */
  closeField(): void {
    const name = this.fieldName;
    if (name === undefined) return;
    const value = this.text.join('');
    const existing = this.fields.get(name);
    if (existing === undefined) this.fields.set(name, value);
    else if (Array.isArray(existing)) existing.push(value);
    else this.fields.set(name, [existing, value]);
    this.fieldName = undefined;
    this.text = [];
  }

  build(): RawRecord {
    const record: RawRecord = {};
    for (const name of Object.keys(this.attributes))
      defineField(record, name, this.attributes[name]);
    for (const [name, value] of this.fields) defineField(record, name, value);
    return record;
  }
}
