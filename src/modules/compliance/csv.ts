/** One RFC 4180 field: quoted when it holds a delimiter, quote or line break; NULL is empty. */
export function csvField(value: string | null): string {
  if (value === null) return '';
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** A CSV document with a header line, CRLF line ends (RFC 4180). */
export function toCsv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | null>>): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',') + '\r\n').join('');
}
