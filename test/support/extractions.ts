import type { TestApp } from './app.ts';
import { waitFor } from './wait.ts';

/** Creates a source through the API and returns its id. */
export async function createSource(t: TestApp, token: string, body: Record<string, unknown>): Promise<string> {
  const res = await t.request('POST', '/api/v1/sources', { token, body });
  if (res.status !== 201) throw new Error(`creating source failed: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { id: string }).id;
}

/** Creates and starts an extraction; returns its id. */
export async function startExtraction(t: TestApp, token: string, body: Record<string, unknown>): Promise<string> {
  const res = await t.request('POST', '/api/v1/extractions', { token, body: { start: true, ...body } });
  if (res.status !== 201) throw new Error(`creating extraction failed: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { id: string }).id;
}

export interface ExtractionBody {
  id: string;
  status: string;
  error: string | null;
  archiveTable: string;
  progress: { records: number; bytes: number; percent: number | null; recordsPerSecond: number; etaSeconds: number | null };
  verification: { match: boolean; method: string; source: { rows: number; checksum: string }; archive: { rows: number; checksum: string } } | null;
  attempts: number;
}

/** Waits until the extraction reaches a final state and returns it. */
export function waitForExtraction(t: TestApp, token: string, id: string, timeoutMs = 120_000): Promise<ExtractionBody> {
  return waitFor(
    `extraction ${id} to finish`,
    async () => {
      const res = await t.request('GET', `/api/v1/extractions/${id}`, { token });
      const body = res.body as ExtractionBody;
      return ['completed', 'failed', 'cancelled'].includes(body.status) ? body : undefined;
    },
    timeoutMs,
    200,
  );
}
