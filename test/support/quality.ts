import type { TestApp } from './app.ts';
import { waitFor } from './wait.ts';

/** Creates a quality rule through the API and returns its id. */
export async function createRule(t: TestApp, token: string, datasetId: string, rule: Record<string, unknown>, name?: string): Promise<string> {
  const res = await t.request('POST', '/api/v1/quality/rules', { token, body: { datasetId, rule, ...(name ? { name } : {}) } });
  if (res.status !== 201) throw new Error(`creating rule failed: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { id: string }).id;
}

/** Puts a job on the quality queue as the service does (inside a transaction): what a firing schedule or a retry looks like. */
export async function sendQualityJob(t: TestApp, data: { checkId: string } | { datasetId: string }): Promise<void> {
  const client = await t.app.ctx.db.write.connect();
  try {
    await client.query('BEGIN');
    await t.app.ctx.queue.send('quality', data, client);
    await client.query('COMMIT');
  } finally {
    client.release();
  }
}

/** Waits until the quality check is completed or failed and returns it. */
export function waitForCheck(t: TestApp, token: string, id: string, timeoutMs = 60_000): Promise<any> {
  return waitFor(
    `quality check ${id} to finish`,
    async () => {
      const res = await t.request('GET', `/api/v1/quality/checks/${id}`, { token });
      return ['completed', 'failed'].includes((res.body as { status: string }).status) ? res.body : undefined;
    },
    timeoutMs,
    100,
  );
}

/** Starts a check and waits for it to finish. */
export async function runCheck(t: TestApp, token: string, datasetId: string, profile = false): Promise<any> {
  const res = await t.request('POST', '/api/v1/quality/checks', { token, body: { datasetId, profile } });
  if (res.status !== 202) throw new Error(`starting check failed: ${res.status} ${JSON.stringify(res.body)}`);
  return waitForCheck(t, token, (res.body as { id: string }).id);
}
