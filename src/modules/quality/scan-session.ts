import type pg from 'pg';

/** A connection for a check's long scans; `close()` must be called once. */
export interface ScanSession {
  client: pg.PoolClient;
  close(): void;
}

/**
 * Opens a connection on the analytics pool for a check job. Its statements run without the
 * pool's statement timeout (a job is bounded by its heartbeats and by shutdown instead), and
 * the running statement is cancelled when `signal` aborts, so a shutdown is not held up by a
 * long scan. The connection is closed rather than returned to the pool, so neither the session
 * setting nor a late cancel can reach another user of the pool.
 */
export async function openScanSession(pool: pg.Pool, signal: AbortSignal): Promise<ScanSession> {
  const client = await pool.connect();
  let pid: number;
  try {
    pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    await client.query('SET statement_timeout = 0');
  } catch (e) {
    client.release(true);
    throw e;
  }
  const cancel = () => {
    pool.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => undefined);
  };
  signal.addEventListener('abort', cancel, { once: true });
  return {
    client,
    close() {
      signal.removeEventListener('abort', cancel);
      client.release(true);
    },
  };
}
