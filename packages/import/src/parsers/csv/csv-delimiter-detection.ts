/** Delimiters tried by auto-detection, in order of preference when counts tie. */
export const CANDIDATE_DELIMITERS = [',', ';', '\t', '|'] as const;

/** Result of delimiter detection (the published `ParserOptions` shape). */
export interface CsvDetection {
  /** The detected delimiter; `','` when no candidate occurs in the first line. */
  readonly delimiter: string;
  /** Always `'utf-8'`. */
  readonly encoding: 'utf-8';
  /** Always `true`. */
  readonly hasHeader: true;
}

/**
 * Length of the first line of `text` (up to the first line break outside quotes), or -1 when
 * no complete line is present yet.
 */
export function firstLineEnd(text: string, quote = '"'): number {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === quote)
      quoted = !quoted; // a doubled quote toggles twice: still correct
    else if (!quoted && (char === '\n' || char === '\r')) return i;
  }
  return -1;
}

/**
 * Picks the delimiter of a CSV sample as published: the candidate among `, ; \t |` that splits
 * the first row into the most fields (quotes respected; ties go to the earlier candidate);
 * `','` when none occurs.
 */
export function detectCsvDelimiter(sample: string, quote = '"'): CsvDetection {
  const text = sample.startsWith('\uFEFF') ? sample.slice(1) : sample;
  const end = firstLineEnd(text, quote);
  const line = end === -1 ? text : text.slice(0, end);
  const counts = new Map<string, number>(CANDIDATE_DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const char of line) {
    if (char === quote) quoted = !quoted;
    else if (!quoted && counts.has(char)) counts.set(char, (counts.get(char) ?? 0) + 1);
  }
  let best: string = ',';
  let bestCount = 0;
  for (const [delimiter, count] of counts) {
    if (count > bestCount) {
      best = delimiter;
      bestCount = count;
    }
  }
  return { delimiter: best, encoding: 'utf-8', hasHeader: true };
}
