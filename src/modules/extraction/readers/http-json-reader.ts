import { fetchPages, type PageState } from '../../sources/http-json-pages.ts';
import type { HttpJsonSettings, SourceSecret } from '../../sources/kinds.ts';
import { encodeRow } from '../copy-text.ts';
import { savedFingerprint } from '../fingerprint.ts';
import type { ExtractionReader, ResumeState, Segment } from './reader.ts';

/**
 * Paginated HTTP JSON APIs: each record is archived in a jsonb column `record`; a page is a
 * segment, and the resume state is the pagination position of the next page.
 */
export function openHttpJsonReader(
  settings: HttpJsonSettings,
  secret: SourceSecret,
  timeoutMs: number,
): Promise<ExtractionReader> {
  async function* segments(resume: ResumeState | undefined, signal: AbortSignal): AsyncGenerator<Segment> {
    const acc = savedFingerprint(resume);
    // `page: null` means the last checkpoint came after the last page: nothing is left.
    if (resume && resume.page === null) return;
    for await (const page of fetchPages(settings, secret, signal, resume?.page as PageState | undefined, { timeoutMs })) {
      if (page.records.length === 0) continue;
      const lines = page.records.map((record) => {
        acc.add([record]);
        return encodeRow([JSON.stringify(record)]);
      });
      yield {
        data: Buffer.from(lines.join(''), 'utf8'),
        rows: page.records.length,
        resume: { page: page.state, rows: acc.rows, fingerprint: acc.toJSON() },
      };
    }
  }
  return Promise.resolve({
    columns: [{ name: 'record', type: 'jsonb', sourceType: 'json' }],
    estimate: {},
    resumable: true,
    fingerprint: 'canonical-json-hash',
    segments,
    sourceFingerprint: (last) => Promise.resolve(savedFingerprint(last).result()),
    close: () => Promise.resolve(),
  });
}
