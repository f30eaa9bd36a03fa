/**
 * PostgreSQL's COPY text format: one row per line, fields separated by tabs, `\N` for NULL and
 * backslash escapes for backslash, tab, newline and carriage return. A raw newline byte is always
 * a row end, which is what lets the engine cut a COPY stream at row boundaries without parsing it.
 */

const NEWLINE = 0x0a;

/** Encodes one field value; `null`/`undefined` become NULL. */
export function encodeField(value: string | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  return value.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/** Encodes a row as one COPY line, newline included. */
export function encodeRow(values: ReadonlyArray<string | null | undefined>): string {
  return values.map(encodeField).join('\t') + '\n';
}

/** Decodes one field of a COPY text line (the inverse of encodeField, plus octal/hex escapes). */
export function decodeField(raw: string): string | null {
  if (raw === '\\N') return null;
  if (!raw.includes('\\')) return raw;
  return raw.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_m, esc: string) => {
    switch (esc) {
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'v':
        return '\v';
      default:
        if (esc[0] === 'x') return String.fromCharCode(parseInt(esc.slice(1), 16));
        if (/^[0-7]+$/.test(esc)) return String.fromCharCode(parseInt(esc, 8));
        return esc;
    }
  });
}

/** Splits a COPY line (without its newline) into decoded fields. */
export function decodeRow(line: string): Array<string | null> {
  return line.split('\t').map(decodeField);
}

/** Number of complete rows in a buffer of COPY text. */
export function countRows(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(NEWLINE); i !== -1; i = buf.indexOf(NEWLINE, i + 1)) n++;
  return n;
}

/** The last complete line of a buffer that ends with a newline, without the newline. */
export function lastLine(buf: Buffer): string {
  const end = buf.length - 1;
  const start = buf.lastIndexOf(NEWLINE, end - 1) + 1;
  return buf.subarray(start, end).toString('utf8');
}

/**
 * Re-chunks a byte stream of COPY text so every yielded buffer holds only complete rows; the
 * partial row at the end of a network chunk is carried into the next one.
 */
export async function* completeRows(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let carry: Buffer | undefined;
  for await (const chunk of chunks) {
    const data = carry ? Buffer.concat([carry, chunk]) : chunk;
    const cut = data.lastIndexOf(NEWLINE);
    if (cut === -1) {
      carry = data;
      continue;
    }
    carry = cut === data.length - 1 ? undefined : data.subarray(cut + 1);
    yield data.subarray(0, cut + 1);
  }
  if (carry && carry.length > 0) throw new Error('the COPY stream ended in the middle of a row');
}
