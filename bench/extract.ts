/**
 * npm run bench:extract [-- --rows N] [--json]
 *
 * Generates a table of N rows (default 1,000,000; 10 mixed columns) in a source database and,
 * in one run, times (a) the raw pipe `COPY (SELECT ...) TO STDOUT | COPY ... FROM STDIN` between
 * the source and the platform database and (b) a JiVS extraction of the same table, run by the
 * service as a separate process. Prints both rates, the ratio, and the service's peak RSS.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, chmod } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { startEmbeddedPostgres } from '../src/data/embedded-postgres.ts';
import { createLogger } from '../src/observability/logger.ts';
import { startServiceProcess } from '../test/support/service-process.ts';

const { values: args } = parseArgs({
  options: { rows: { type: 'string', default: '1000000' }, json: { type: 'boolean', default: false } },
});
const ROWS = Number(args.rows);
const say = (line: string) => {
  if (!args.json) process.stderr.write(line + '\n');
};

const COLUMNS = `id bigint PRIMARY KEY, customer text, quantity integer, amount numeric(18,4), ratio double precision,
  created timestamptz, due date, active boolean, attributes jsonb, ref uuid`;

async function withClient<T>(dsn: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: dsn });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Peak resident set size of a process, from /proc (VmHWM), in MiB. */
async function peakRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

const dir = await mkdtemp(path.join(tmpdir(), 'jivs-bench-'));
await chmod(dir, 0o755);
const server = await startEmbeddedPostgres({
  dataDir: path.join(dir, 'pg'),
  port: 56_000 + Math.floor(Math.random() * 2000),
  osUser: 'jivs',
  log: createLogger('warn'),
});
let service: Awaited<ReturnType<typeof startServiceProcess>> | undefined;
try {
  await withClient(server.dsn('postgres'), async (c) => {
    await c.query('CREATE DATABASE bench_source');
    await c.query('CREATE DATABASE bench_platform');
  });
  const sourceDsn = server.dsn('bench_source');
  const platformDsn = server.dsn('bench_platform');

  say(`generating ${ROWS.toLocaleString('en')} rows in the source...`);
  await withClient(sourceDsn, async (c) => {
    await c.query(`CREATE TABLE bench_rows (${COLUMNS})`);
    await c.query(
      `INSERT INTO bench_rows
       SELECT i, 'customer ' || (i % 10000), (i % 1000)::int, (i * 1.2345)::numeric(18,4), i / 7.0,
              timestamptz '2024-01-01' + i * interval '1 second', date '2024-01-01' + (i % 3650),
              i % 2 = 0, jsonb_build_object('tier', i % 5, 'region', 'eu-' || (i % 3)), md5(i::text)::uuid
         FROM generate_series(1, $1) AS i`,
      [ROWS],
    );
    await c.query('VACUUM ANALYZE bench_rows');
  });

  say('reference: raw COPY pipe...');
  const reference = await withClient(sourceDsn, (src) =>
    withClient(platformDsn, async (dst) => {
      await dst.query(`CREATE TABLE reference_copy (${COLUMNS.replace(' PRIMARY KEY', '')})`);
      const started = performance.now();
      await pipeline(src.query(copyTo('COPY (SELECT * FROM bench_rows) TO STDOUT')), dst.query(copyFrom('COPY reference_copy FROM STDIN')));
      const seconds = (performance.now() - started) / 1000;
      await dst.query('DROP TABLE reference_copy');
      return seconds;
    }),
  );

  say('JiVS: extraction through the service...');
  const password = 'bench password that is long enough';
  service = await startServiceProcess({
    JIVS_DATA_DIR: path.join(dir, 'service'),
    JIVS_DATABASE_WRITE: platformDsn,
    JIVS_AUTH_ADMIN_PASSWORD: password,
    JIVS_SECRETS_KEY: randomBytes(32).toString('base64'),
  });
  const base = service.url;
  const call = async (method: string, url: string, token?: string, body?: unknown) => {
    const res = await fetch(base + url, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = (await res.json()) as Record<string, any>;
    if (res.status >= 400) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const token = (await call('POST', '/api/v1/auth/login', undefined, { username: 'admin', password })).accessToken as string;
  const source = await call('POST', '/api/v1/sources', token, { name: 'bench', kind: 'postgres', dsn: sourceDsn });
  const created = await call('POST', '/api/v1/extractions', token, { name: 'bench', sourceId: source.id, table: 'bench_rows' });
  const started = performance.now();
  await call('POST', `/api/v1/extractions/${created.id}/start`, token);
  let job: Record<string, any>;
  let lastShown = 0;
  for (;;) {
    job = await call('GET', `/api/v1/extractions/${created.id}`, token);
    if (['completed', 'failed', 'cancelled'].includes(job.status)) break;
    if (performance.now() - lastShown > 2000) {
      lastShown = performance.now();
      say(`  ${job.status}: ${job.progress.records.toLocaleString('en')} records, ${job.progress.recordsPerSecond.toLocaleString('en')}/s, ETA ${job.progress.etaSeconds ?? '?'} s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const total = (performance.now() - started) / 1000;
  if (job.status !== 'completed') throw new Error(`the extraction ended ${job.status}: ${job.error}`);
  const copySeconds = (Date.parse(job.finishedAt) - Date.parse(job.startedAt)) / 1000;
  const peak = await peakRssMiB(service.child.pid!);

  const result = {
    date: new Date().toISOString(),
    machine: `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB`,
    rows: ROWS,
    reference: { seconds: +reference.toFixed(2), rowsPerSecond: Math.round(ROWS / reference) },
    jivs: {
      seconds: +total.toFixed(2),
      rowsPerSecond: Math.round(ROWS / total),
      workerSeconds: +copySeconds.toFixed(2),
      verified: job.verification.match as boolean,
      peakRssMiB: peak,
    },
    ratio: +(reference / total).toFixed(3),
  };
  if (args.json) {
    process.stdout.write(JSON.stringify(result) + '\n');
  } else {
    process.stdout.write(
      [
        `rows:       ${ROWS.toLocaleString('en')} (10 columns)`,
        `reference:  ${result.reference.seconds} s  ${result.reference.rowsPerSecond.toLocaleString('en')} rows/s  (raw COPY pipe)`,
        `jivs:       ${result.jivs.seconds} s  ${result.jivs.rowsPerSecond.toLocaleString('en')} rows/s  (start request → verified; worker ${result.jivs.workerSeconds} s)`,
        `ratio:      ${result.ratio}  (goal ≥ 0.8)`,
        `verified:   ${result.jivs.verified}`,
        `peak RSS:   ${peak} MiB (service process)`,
        `machine:    ${result.machine}`,
      ].join('\n') + '\n',
    );
  }
} finally {
  if (service) {
    service.child.kill('SIGTERM');
    await service.exited;
  }
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
