import type { RawRecord } from '@batchactions/core';
import { defineField } from '../../schema/field-alias-resolver';

/**
 * Collects one record element: each child element's text content (trimmed, entities and CDATA
 * decoded, text of nested elements included) under the child's name; a repeated child keeps the
 * last value (published). Attributes of the record element are included only when asked for,
 * and a child element wins over an attribute of the same name.
 */
export class XmlRecordBuilder {
  private readonly fields = new Map<string, string>();
  private fieldName: string | undefined;
  private text: string[] = [];

  constructor(private readonly attributes: Readonly<Record<string, string>> | undefined) {}

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
    this.fields.delete(name); // a repeated field moves to its last position, as published
    this.fields.set(name, this.text.join('').trim());
    this.fieldName = undefined;
    this.text = [];
  }

  build(): RawRecord {
    const record: RawRecord = {};
    if (this.attributes !== undefined) {
      for (const name of Object.keys(this.attributes)) {
        if (!this.fields.has(name)) defineField(record, name, this.attributes[name]);
      }
    }
    for (const [name, value] of this.fields) defineField(record, name, value);
    return record;
  }
}
