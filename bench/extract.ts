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
  options: {
    rows: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
  },
});
const ROWS = Number(args.rows);
const ROUNDS = Number(args.rounds);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
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

  /** The reference: the raw engine doing the same work, one COPY pipe. */
  const referenceRound = () =>
    withClient(sourceDsn, (src) =>
      withClient(platformDsn, async (dst) => {
        await dst.query(`CREATE TABLE reference_copy (${COLUMNS.replace(' PRIMARY KEY', '')})`);
        const started = performance.now();
        await pipeline(src.query(copyTo('COPY (SELECT * FROM bench_rows) TO STDOUT')), dst.query(copyFrom('COPY reference_copy FROM STDIN')));
        const seconds = (performance.now() - started) / 1000;
        await dst.query('DROP TABLE reference_copy');
        return seconds;
      }),
    );

  say('starting the service...');
  const password = 'bench password that is long enough';
  service = await startServiceProcess({
    JIVS_DATA_DIR: path.join(dir, 'service'),
    JIVS_DATABASE_WRITE: platformDsn,
    JIVS_AUTH_ADMIN_PASSWORD: password,
    JIVS_SECRETS_KEY: randomBytes(32).toString('base64'),
    // The bench polls job status every 25 ms; the default limit of 100/min would refuse it.
    JIVS_RATE_LIMITS_DEFAULT_POINTS: '1000000',
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

  /** One JiVS extraction, timed from the start request until it is verified. */
  const jivsRound = async (round: number) => {
    const created = await call('POST', '/api/v1/extractions', token, { name: `bench ${round}`, sourceId: source.id, table: 'bench_rows' });
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
      await new Promise((r) => setTimeout(r, 25));
    }
    const seconds = (performance.now() - started) / 1000;
    if (job.status !== 'completed') throw new Error(`the extraction ended ${job.status}: ${job.error}`);
    return { seconds, copy: job.verification.copyMs / 1000, verify: job.verification.verifyMs / 1000, verified: job.verification.match as boolean };
  };

  // Interleaved rounds, so both sides see the same machine conditions; medians are reported.
  const refs: number[] = [];
  const runs: Array<Awaited<ReturnType<typeof jivsRound>>> = [];
  for (let round = 1; round <= ROUNDS; round++) {
    say(`round ${round}/${ROUNDS}: reference (raw COPY pipe)...`);
    refs.push(await referenceRound());
    say(`round ${round}/${ROUNDS}: JiVS extraction through the service...`);
    runs.push(await jivsRound(round));
    say(`  reference ${refs.at(-1)!.toFixed(2)} s, JiVS ${runs.at(-1)!.seconds.toFixed(2)} s`);
  }
  const reference = median(refs);
  const total = median(runs.map((r) => r.seconds));
  const peak = await peakRssMiB(service.child.pid!);

  const result = {
    date: new Date().toISOString(),
    machine: `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB`,
    rows: ROWS,
    rounds: ROUNDS,
    reference: { seconds: +reference.toFixed(2), rowsPerSecond: Math.round(ROWS / reference) },
    jivs: {
      seconds: +total.toFixed(2),
      rowsPerSecond: Math.round(ROWS / total),
      copySeconds: median(runs.map((r) => r.copy)),
      verifySeconds: median(runs.map((r) => r.verify)),
      verified: runs.every((r) => r.verified),
      peakRssMiB: peak,
    },
    ratio: +(reference / total).toFixed(3),
  };
  if (process.env.JIVS_TEST_LOG_LEVEL) process.stderr.write(service.output());
  if (args.json) {
    process.stdout.write(JSON.stringify(result) + '\n');
  } else {
    process.stdout.write(
      [
        `rows:       ${ROWS.toLocaleString('en')} (10 columns), median of ${ROUNDS} interleaved rounds`,
        `reference:  ${result.reference.seconds} s  ${result.reference.rowsPerSecond.toLocaleString('en')} rows/s  (raw COPY pipe)`,
        `jivs:       ${result.jivs.seconds} s  ${result.jivs.rowsPerSecond.toLocaleString('en')} rows/s  (start request → verified; copy ${result.jivs.copySeconds} s + verify ${result.jivs.verifySeconds} s)`,
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
