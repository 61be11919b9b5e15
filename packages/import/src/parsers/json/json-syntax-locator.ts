/** Where and why a JSON text is invalid. */
export interface JsonSyntaxProblem {
  /** 0-based offset into the text. */
  readonly offset: number;
  readonly message: string;
}

class SyntaxProblem extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

const LITERALS = ['true', 'false', 'null'] as const;

function describeChar(text: string, offset: number): string {
  return offset >= text.length ? 'the end of the input' : JSON.stringify(text[offset]);
}

/**
 * A small recursive-descent JSON checker, run only after `JSON.parse` rejected a text, to find
 * the offset of the first problem (V8's messages do not always carry a position).
 */
class JsonChecker {
  private pos = 0;

  constructor(private readonly text: string) {}

  check(): void {
    this.value();
    this.whitespace();
    if (this.pos < this.text.length) this.fail('unexpected content after the JSON value');
  }

  private fail(message: string): never {
    throw new SyntaxProblem(this.pos, message);
  }

  private unexpected(expected: string): never {
    this.fail(`expected ${expected}, got ${describeChar(this.text, this.pos)}`);
  }

  private whitespace(): void {
    const { text } = this;
    while (this.pos < text.length) {
      const c = text[this.pos];
      if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') return;
      this.pos++;
    }
  }

  private value(): void {
    this.whitespace();
    const c = this.text[this.pos];
    if (c === '{') this.object();
    else if (c === '[') this.array();
    else if (c === '"') this.string();
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) this.number();
    else this.literal();
  }

  private object(): void {
    this.pos++;
    this.whitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return;
    }
    for (;;) {
      this.whitespace();
      if (this.text[this.pos] !== '"') this.unexpected('a property name in double quotes');
      this.string();
      this.whitespace();
      if (this.text[this.pos] !== ':') this.unexpected("':' after a property name");
      this.pos++;
      this.value();
      this.whitespace();
      const c = this.text[this.pos];
      this.pos++;
      if (c === '}') return;
      if (c !== ',') {
        this.pos--;
        this.unexpected("',' or '}' in an object");
      }
    }
  }

  private array(): void {
    this.pos++;
    this.whitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return;
    }
    for (;;) {
      this.value();
      this.whitespace();
      const c = this.text[this.pos];
      this.pos++;
      if (c === ']') return;
      if (c !== ',') {
        this.pos--;
        this.unexpected("',' or ']' in an array");
      }
    }
  }

  private string(): void {
    const { text } = this;
    this.pos++;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c === 0x22) {
        this.pos++;
        return;
      }
      if (c < 0x20) this.fail('unescaped control character (such as a line break) in a string');
      if (c === 0x5c) {
        const escape = text[this.pos + 1];
        if (escape === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(this.pos + 2, this.pos + 6))) {
            this.fail('invalid \\u escape in a string: expected 4 hex digits');
          }
          this.pos += 6;
          continue;
        }
        if (escape === undefined || !'"\\/bfnrt'.includes(escape)) {
          this.fail(`invalid escape sequence in a string: \\${escape ?? ''}`);
        }
        this.pos += 2;
        continue;
      }
      this.pos++;
    }
    this.fail('unterminated string');
  }

  private number(): void {
    const match = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    match.lastIndex = this.pos;
    const found = match.exec(this.text);
    if (found === null || found[0] === '-') this.fail('invalid number');
    this.pos += found[0].length;
    const next = this.text[this.pos];
    if (next !== undefined && /[0-9.eE+-]/.test(next)) this.fail('invalid number');
  }

  private literal(): void {
    for (const literal of LITERALS) {
      if (this.text.startsWith(literal, this.pos)) {
        this.pos += literal.length;
        return;
      }
    }
    this.unexpected('a JSON value');
  }
}

/**
 * Finds the first syntax problem of a text that `JSON.parse` rejected. `fallback` (the
 * `JSON.parse` message) is used at offset 0 if the checker finds nothing or the nesting is too
 * deep for recursion.
 */
export function locateJsonSyntaxError(text: string, fallback: string): JsonSyntaxProblem {
  try {
    new JsonChecker(text).check();
  } catch (error: unknown) {
    if (error instanceof SyntaxProblem) return { offset: error.offset, message: error.message };
    if (error instanceof RangeError) return { offset: 0, message: fallback };
    throw error;
  }
  return { offset: 0, message: fallback };
}

/** Line and column reached after `text[0..offset)`, starting from a known line and column. */
export function advancePosition(
  text: string,
  offset: number,
  line: number,
  column: number,
): { line: number; column: number } {
  let currentLine = line;
  let currentColumn = column;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      currentLine++;
      currentColumn = 1;
    } else {
      currentColumn++;
    }
  }
  return { line: currentLine, column: currentColumn };
}
