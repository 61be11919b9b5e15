import type { ParseCursor } from '../../ports/source-parser';
import { checkCursor, CursorStateReader } from '../resume/cursor-state';

const PARSER = 'XmlParser';
const TAG = 'xml';

/** What a resumed XML parse needs; JSON values only (it is a cursor's `state`). */
export interface XmlCursorState {
  readonly parser: typeof TAG;
  /** The record element's name (configured or detected). */
  readonly recordTag: string;
  /** Names of the elements open around the record, outermost first (the root first). */
  readonly path: readonly string[];
  /** saxes' position, line and column just after the record's closing tag. */
  readonly charOffset: number;
  readonly line: number;
  readonly column: number;
}

/** The cursor of a tracked parse that has not yielded a record yet. */
export function xmlStartCursor(): ParseCursor {
  return { byteOffset: 0, state: { parser: TAG } };
}

/** An XML name as saxes reads it (no markup characters, no whitespace). */
const ELEMENT_NAME = /^[^\s<>/="'&]+$/u;

/** A checked `from`: `undefined` for a start cursor. */
export function readXmlCursor(
  from: unknown,
  configuredTag: string | undefined,
): { byteOffset: number; state: XmlCursorState } | undefined {
  const { byteOffset, state } = checkCursor(PARSER, TAG, from);
  const reader = new CursorStateReader(PARSER, state);
  if (!('recordTag' in state)) {
    if (byteOffset !== 0) throw reader.fail('a start cursor must have byteOffset 0');
    return undefined;
  }
  const resumed: XmlCursorState = {
    parser: TAG,
    recordTag: reader.string('recordTag'),
    path: reader.strings('path'),
    charOffset: reader.count('charOffset'),
    line: reader.count('line', 1),
    column: reader.count('column'),
  };
  if (configuredTag !== undefined && configuredTag !== resumed.recordTag) {
    throw reader.fail(
      `the cursor's record tag ${JSON.stringify(resumed.recordTag)} differs from the configured ${JSON.stringify(configuredTag)}`,
    );
  }
  if (resumed.path.length === 0) throw reader.fail('state.path must name the root element');
  for (const name of [resumed.recordTag, ...resumed.path]) {
    if (!ELEMENT_NAME.test(name)) {
      throw reader.fail(`${JSON.stringify(name)} is not an element name`);
    }
  }
  if (resumed.path.includes(resumed.recordTag)) {
    throw reader.fail('state.path must not contain the record tag (records do not nest)');
  }
  return { byteOffset, state: resumed };
}
