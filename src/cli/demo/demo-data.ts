import { open } from 'node:fs/promises';

/** Seed of the demo data unless `--seed` says otherwise. */
export const DEFAULT_DEMO_SEED = 42;

/** Share of generated rows that carry a defect. */
export const DEMO_DEFECT_RATE = 0.03;

/** What is wrong with an invalid demo row. */
export type DemoDefect = 'bad-email' | 'non-numeric-age' | 'missing-name';

/** One generated user row, as written to the CSV (all values are text). */
export interface DemoRow {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly age: string;
  readonly country: string;
  readonly signup_date: string;
  /** Set on the rows made invalid on purpose. */
  readonly defect?: DemoDefect;
}

/** The CSV header, in column order. */
export const DEMO_COLUMNS = ['id', 'email', 'name', 'age', 'country', 'signup_date'] as const;

const FIRST_NAMES = [
  'Ada',
  'Alan',
  'Grace',
  'Linus',
  'Margaret',
  'Dennis',
  'Barbara',
  'Ken',
  'Frances',
  'Edsger',
  'Radia',
  'Donald',
  'Hedy',
  'Tim',
  'Katherine',
  'Guido',
  'Sophie',
  'Bjarne',
  'Karen',
  'John',
];
const LAST_NAMES = [
  'Lovelace',
  'Turing',
  'Hopper',
  'Torvalds',
  'Hamilton',
  'Ritchie',
  'Liskov',
  'Thompson',
  'Allen',
  'Dijkstra',
  'Perlman',
  'Knuth',
  'Lamarr',
  'Berners-Lee',
  'Johnson',
  'van Rossum',
  'Wilson',
  'Stroustrup',
  'Sparck-Jones',
  'McCarthy',
];
const DOMAINS = ['example.com', 'mail.test', 'corp.example.org', 'inbox.example.net'];
const COUNTRIES = ['US', 'GB', 'DE', 'FR', 'ES', 'IT', 'NL', 'SE', 'BR', 'IN', 'JP', 'CA'];
const BAD_AGES = ['unknown', 'n/a', 'thirty', '4O'];
const DEFECTS: readonly DemoDefect[] = ['bad-email', 'non-numeric-age', 'missing-name'];
const DAY_MS = 86_400_000;
const FIRST_SIGNUP = Date.UTC(2015, 0, 1);

/** mulberry32: a small, fast, seeded PRNG; the same seed gives the same rows everywhere. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(items: readonly T[], random: number): T {
  return items[Math.floor(random * items.length)] as T;
}

/**
 * Generates `count` user rows from `seed`. About {@link DEMO_DEFECT_RATE} of them carry one
 * defect (an email without `@`, a non-numeric age, or an empty name). Every row draws the same
 * number of random values, so the rows depend only on the seed and their position.
 */
export function* demoRows(count: number, seed: number = DEFAULT_DEMO_SEED): Generator<DemoRow> {
  const random = seededRandom(seed);
  for (let i = 1; i <= count; i += 1) {
    const first = pick(FIRST_NAMES, random());
    const last = pick(LAST_NAMES, random());
    const domain = pick(DOMAINS, random());
    const age = 18 + Math.floor(random() * 63);
    const country = pick(COUNTRIES, random());
    const signup = new Date(FIRST_SIGNUP + Math.floor(random() * 3650) * DAY_MS);
    const defective = random() < DEMO_DEFECT_RATE;
    const defectDraw = random();
    const badAge = pick(BAD_AGES, random());
    const defect = defective ? pick(DEFECTS, defectDraw) : undefined;
    const local = `${first}.${last}${i}`.toLowerCase().replace(/[^a-z0-9.]/g, '');
    yield {
      id: String(i),
      email: defect === 'bad-email' ? `${local}.${domain}` : `${local}@${domain}`,
      name: defect === 'missing-name' ? '' : `${first} ${last}`,
      age: defect === 'non-numeric-age' ? badAge : String(age),
      country,
      signup_date: signup.toISOString().slice(0, 10),
      ...(defect === undefined ? {} : { defect }),
    };
  }
}

/** How many of the first `count` rows of `seed` are invalid. */
export function countInvalidDemoRows(count: number, seed: number = DEFAULT_DEMO_SEED): number {
  let invalid = 0;
  for (const row of demoRows(count, seed)) if (row.defect !== undefined) invalid += 1;
  return invalid;
}

/** What {@link writeDemoCsv} wrote. */
export interface DemoCsvSummary {
  readonly rows: number;
  readonly invalidRows: number;
  readonly bytes: number;
}

const ROWS_PER_WRITE = 2000;

/** Writes the demo rows as CSV (header first, LF line ends, no quoting needed) to `path`. */
export async function writeDemoCsv(
  path: string,
  count: number,
  seed: number = DEFAULT_DEMO_SEED,
): Promise<DemoCsvSummary> {
  const file = await open(path, 'w');
  let invalidRows = 0;
  let bytes = 0;
  const write = async (text: string): Promise<void> => {
    const { bytesWritten } = await file.write(text);
    bytes += bytesWritten;
  };
  try {
    await write(`${DEMO_COLUMNS.join(',')}\n`);
    let lines: string[] = [];
    for (const row of demoRows(count, seed)) {
      if (row.defect !== undefined) invalidRows += 1;
      lines.push(DEMO_COLUMNS.map((column) => row[column]).join(','));
      if (lines.length === ROWS_PER_WRITE) {
        await write(`${lines.join('\n')}\n`);
        lines = [];
      }
    }
    if (lines.length > 0) await write(`${lines.join('\n')}\n`);
  } finally {
    await file.close();
  }
  return { rows: count, invalidRows, bytes };
}
