import type { ParseCursor } from '../../ports/source-parser';
import { checkCursor, CursorStateReader } from '../resume/cursor-state';
import type { TextPosition } from '../resume/text-positions';
import type { JsonScanPoint } from './json-text-scanner';

const PARSER = 'JsonParser';
const TAG = 'json';

/** The layout a tracked JSON parse found: a top-level array, or NDJSON. */
export type JsonLayout = 'array' | 'ndjson';

/** What a resumed JSON parse needs; JSON values only (it is a cursor's `state`). */
export interface JsonCursorState extends JsonScanPoint {
  readonly parser: typeof TAG;
  readonly format: JsonLayout;
}

/** The cursor of a tracked parse that has not yielded a record yet. */
export function jsonStartCursor(): ParseCursor {
  return { byteOffset: 0, state: { parser: TAG } };
}

/** The cursor after a record: `records` read, ending at `end`. */
export function jsonCursor(format: JsonLayout, records: number, end: TextPosition): ParseCursor {
  const state: JsonCursorState = {
    parser: TAG,
    format,
    records,
    charOffset: end.charOffset,
    line: end.line,
    lineStart: end.lineStart,
  };
  return { byteOffset: end.byteOffset, state };
}

/**
 * A checked `from`: `undefined` for a start cursor. `configured` is the parser's `format`: a
 * cursor of the other layout is refused ('auto' takes either).
 */
export function readJsonCursor(
  from: unknown,
  configured: 'array' | 'ndjson' | 'auto',
): { byteOffset: number; state: JsonCursorState } | undefined {
  const { byteOffset, state } = checkCursor(PARSER, TAG, from);
  const reader = new CursorStateReader(PARSER, state);
  if (!('format' in state)) {
    if (byteOffset !== 0) throw reader.fail('a start cursor must have byteOffset 0');
    return undefined;
  }
  const format = reader.oneOf<JsonLayout>('format', ['array', 'ndjson']);
  if (configured !== 'auto' && configured !== format) {
    throw reader.fail(`the cursor is for ${format} input but the parser reads ${configured}`);
  }
  const charOffset = reader.count('charOffset');
  const lineStart = reader.count('lineStart');
  if (lineStart > charOffset) {
    throw reader.fail('state.lineStart must not be after state.charOffset');
  }
  return {
    byteOffset,
    state: {
      parser: TAG,
      format,
      records: reader.count('records', 1),
      charOffset,
      line: reader.count('line', 1),
      lineStart,
    },
  };
}
