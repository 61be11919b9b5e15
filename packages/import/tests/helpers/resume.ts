import type { ParseCursor, RawRecord, SourceParser } from '@batchactions/import';
import { expect } from 'vitest';
import { splitAt } from './chunks';

/** What a parse gave: its records and, if it failed, what is observable of the error. */
export interface ParseOutcome {
  readonly records: RawRecord[];
  readonly error?: Readonly<Record<string, unknown>>;
}

/** The parts of an error a resumed parse must reproduce. */
function describeError(error: unknown): Readonly<Record<string, unknown>> {
  if (!(error instanceof Error)) return { thrown: String(error) };
  const { line, column, position, record } = error as Error & Record<string, unknown>;
  return { type: error.constructor.name, message: error.message, line, column, position, record };
}

async function outcomeOf(
  records: AsyncIterable<RawRecord>,
  onRecord?: () => void,
): Promise<ParseOutcome> {
  const out: RawRecord[] = [];
  try {
    for await (const record of records) {
      out.push(record);
      onRecord?.();
    }
  } catch (error: unknown) {
    return { records: out, error: describeError(error) };
  }
  return { records: out };
}

function isCharBoundary(bytes: Buffer, offset: number): boolean {
  // A UTF-8 continuation byte is 10xxxxxx: an offset on one would split a character.
  return offset === bytes.length || ((bytes[offset] ?? 0) & 0xc0) !== 0x80;
}

/** Chunk cuts of `length` bytes taken from `cuts` (random numbers). */
function cutsFor(cuts: readonly number[], length: number): number[] {
  return cuts.map((cut) => cut % (length + 1));
}

/**
 * The property every tracked parser has, checked on one input:
 * - `parseStreamFrom(chunks)` gives what `parseStream(chunks)` gives (records and error);
 * - for EVERY record k, resuming from the cursor read after it (through JSON, on the bytes
 *   from its `byteOffset`, chunked differently) gives records k+1.. and the same error;
 * - every `byteOffset` is a UTF-8 character boundary and grows with k.
 * Returns the plain parse's outcome and the cursors, for further checks.
 */
export async function expectResumableEverywhere(
  makeParser: () => SourceParser,
  bytes: Buffer,
  cuts: readonly number[],
  resumeCuts: readonly number[] = cuts,
): Promise<{ outcome: ParseOutcome; cursors: ParseCursor[] }> {
  const parser = makeParser();
  if (parser.parseStream === undefined || parser.parseStreamFrom === undefined) {
    throw new Error('the parser has no parseStream/parseStreamFrom');
  }
  const plain = await outcomeOf(parser.parseStream(splitAt(bytes, cutsFor(cuts, bytes.length))));

  const tracked = makeParser().parseStreamFrom?.(splitAt(bytes, cutsFor(cuts, bytes.length)));
  if (tracked === undefined) throw new Error('no tracked parse');
  const start = tracked.cursor();
  expect(start.byteOffset).toBe(0);
  const cursors: ParseCursor[] = [];
  const trackedOutcome = await outcomeOf(tracked, () => {
    cursors.push(JSON.parse(JSON.stringify(tracked.cursor())) as ParseCursor);
  });
  expect(trackedOutcome).toEqual(plain);
  if (cursors.length > 0) expect(tracked.cursor()).toEqual(cursors.at(-1));

  let previous = 0;
  for (const [k, cursor] of cursors.entries()) {
    expect(cursor.byteOffset).toBeGreaterThan(previous);
    expect(cursor.byteOffset).toBeLessThanOrEqual(bytes.length);
    expect(isCharBoundary(bytes, cursor.byteOffset)).toBe(true);
    previous = cursor.byteOffset;
    const rest = bytes.subarray(cursor.byteOffset);
    const resumed = makeParser().parseStreamFrom?.(
      splitAt(rest, cutsFor(resumeCuts, rest.length)),
      cursor,
    );
    if (resumed === undefined) throw new Error('no tracked parse');
    expect(resumed.cursor()).toEqual(cursor);
    const resumedCursors: ParseCursor[] = [];
    const resumedOutcome = await outcomeOf(resumed, () => {
      resumedCursors.push(JSON.parse(JSON.stringify(resumed.cursor())) as ParseCursor);
    });
    expect(resumedOutcome, `resumed after record ${k + 1}`).toEqual({
      records: plain.records.slice(k + 1),
      ...(plain.error === undefined ? {} : { error: plain.error }),
    });
    // A resumed parse's cursors are those of the parse from the start: resuming twice works.
    expect(resumedCursors).toEqual(cursors.slice(k + 1));
  }
  // Resuming from the start cursor is a parse from the start.
  const fromStart = makeParser().parseStreamFrom?.(splitAt(bytes, []), start);
  if (fromStart === undefined) throw new Error('no tracked parse');
  expect(await outcomeOf(fromStart)).toEqual(plain);
  return { outcome: plain, cursors };
}
