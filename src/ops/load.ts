import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LoadOptions {
  /** Front ends to spread requests over, round-robin (e.g. every zone's HAProxy). */
  baseUrls: string[];
  token: string;
  /** Requests per second, writes and reads mixed 1:2. */
  rate: number;
  signal: AbortSignal;
  /** Per-request timeout: generous, so a request that waits through a failover still counts. */
  timeoutMs?: number;
}

export interface LoadFailure {
  at: string;
  kind: 'write' | 'read';
  status: number | null;
  error: string;
}

export interface LoadReport {
  requests: number;
  failures: LoadFailure[];
  /** Names of the writes the API acknowledged (201): each must exist afterwards. */
  acknowledged: string[];
  latencyMs: { p50: number; p99: number; max: number };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/**
 * A steady mixed load through the front ends: writes create data sources (a durable row each),
 * reads fetch acknowledged ones back. Every response is checked; the report lists failures and
 * the acknowledged writes so a caller can prove none was lost.
 */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const acknowledged: Array<{ id: string; name: string }> = [];
  const failures: LoadFailure[] = [];
  const latencies: number[] = [];
  const inFlight = new Set<Promise<void>>();
  let n = 0;

  const call = async (kind: 'write' | 'read', method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown } | undefined> => {
    const base = options.baseUrls[n % options.baseUrls.length]!;
    const started = performance.now();
    try {
      const res = await fetch(base + path, {
        method,
        // Every write carries an Idempotency-Key, as a careful client's would: the front end may
        // re-send a request whose instance died mid-way, and it must then be applied once.
        headers: {
          authorization: `Bearer ${options.token}`,
          ...(body ? { 'content-type': 'application/json', 'idempotency-key': randomUUID() } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      latencies.push(performance.now() - started);
      if (res.status >= 400) {
        failures.push({ at: new Date().toISOString(), kind, status: res.status, error: text.slice(0, 300) });
        return undefined;
      }
      return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
    } catch (e) {
      failures.push({ at: new Date().toISOString(), kind, status: null, error: (e as Error).message });
      return undefined;
    }
  };

  const write = async () => {
    const name = `load-${randomUUID()}`;
    const res = await call('write', 'POST', '/api/v1/sources', { name, kind: 'http_json', url: 'http://127.0.0.1:9/load' });
    if (res?.status === 201) acknowledged.push({ id: (res.body as { id: string }).id, name });
  };
  // Reads alternate between fetching an acknowledged write (read-your-writes, on the primary)
  // and listing (on the read replicas), so both read paths are under load.
  let reads = 0;
  const read = async () => {
    const target = acknowledged[Math.floor(Math.random() * acknowledged.length)];
    await call('read', 'GET', target && reads++ % 2 === 0 ? `/api/v1/sources/${target.id}` : '/api/v1/sources');
  };

  const interval = 1000 / options.rate;
  while (!options.signal.aborted) {
    const job = (n % 3 === 0 ? write() : read()).finally(() => inFlight.delete(job));
    inFlight.add(job);
    n++;
    await sleep(interval);
  }
  await Promise.all(inFlight);
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    requests: n,
    failures,
    acknowledged: acknowledged.map((a) => a.name),
    latencyMs: { p50: Math.round(percentile(sorted, 50)), p99: Math.round(percentile(sorted, 99)), max: Math.round(sorted.at(-1) ?? 0) },
  };
}
