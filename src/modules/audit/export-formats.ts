import type { EntryRow } from './audit-log.ts';
import { presentEntry } from './entry-view.ts';

export const EXPORT_FORMATS = ['csv', 'ndjson'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

const CSV_COLUMNS = [
  'seq',
  'id',
  'at',
  'actor_user_id',
  'actor_username',
  'actor_role',
  'action',
  'target',
  'outcome',
  'source_ip',
  'details',
  'prev_hash',
  'hash',
] as const satisfies ReadonlyArray<keyof EntryRow>;

/**
 * One CSV field (RFC 4180). A field a spreadsheet would run as a formula (=, +, -, @, tab, CR
 * first) gets a leading apostrophe: usernames of failed sign-ins are whatever an attacker typed.
 * The NDJSON export carries every value unchanged.
 */
export function csvField(value: string | null): string {
  if (value === null) return '';
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const csvLine = (row: EntryRow) =>
  CSV_COLUMNS.map((c) => csvField(c === 'details' ? JSON.stringify(row.details) : row[c])).join(',') + '\r\n';

/** The export's media type, first line (if any) and one line per entry. */
export const exportFormats: Record<ExportFormat, { type: string; header: string; line: (row: EntryRow) => string }> = {
  csv: { type: 'text/csv; charset=utf-8', header: CSV_COLUMNS.join(',') + '\r\n', line: csvLine },
  ndjson: { type: 'application/x-ndjson', header: '', line: (row) => JSON.stringify(presentEntry(row)) + '\n' },
};
