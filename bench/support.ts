/**
 * What the benchmarks share: arguments, an embedded PostgreSQL with a generated source table,
 * the service as a separate process and its API, interleaved rounds and peak RSS.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/data/embedded-postgres.ts';
import { createLogger } from '../src/observability/logger.ts';
import { caller, startServiceProcess, type ServiceProcess } from '../test/support/service-process.ts';

export const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
    /** bench:failover: only the faults whose name contains this text. */
    fault: { type: 'string' },
  },
});
export const ROWS = Number(args.rows);
export const ROUNDS = Number(args.rounds);

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** A progress line on stderr (not with --json). */
export const say = (line: string) => {
  if (!args.json) process.stderr.write(line + '\n');
};

export const machine = () => `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), ${Math.round(totalmem() / 2 ** 30)} GiB`;

/** The 10 mixed columns of the generated table. */
export const COLUMNS = `id bigint PRIMARY KEY, customer text, quantity integer, amount numeric(18,4), ratio double precision,
  created timestamptz, due date, active boolean, attributes jsonb, ref uuid`;

export async function withClient<T>(dsn: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: dsn });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Peak resident set size of a process, from /proc (VmHWM), in MiB. */
export async function peakRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

/** Fills `bench_rows` (COLUMNS) in the database with `rows` rows. */
export async function generateRows(dsn: string, rows: number): Promise<void> {
  say(`generating ${rows.toLocaleString('en')} rows in the source...`);
  await withClient(dsn, async (c) => {
    await c.query(`CREATE TABLE bench_rows (${COLUMNS})`);
    await c.query(
      `INSERT INTO bench_rows
       SELECT i, 'customer ' || (i % 10000), (i % 1000)::int, (i * 1.2345)::numeric(18,4), i / 7.0,
              timestamptz '2024-01-01' + i * interval '1 second', date '2024-01-01' + (i % 3650),
              i % 2 = 0, jsonb_build_object('tier', i % 5, 'region', 'eu-' || (i % 3)), md5(i::text)::uuid
         FROM generate_series(1, $1) AS i`,
      [rows],
    );
    await c.query('VACUUM ANALYZE bench_rows');
  });
}

export interface Bench {
  server: EmbeddedPostgres;
  dir: string;
  dsn(database: string): string;
}

/**
 * Runs `fn` with an embedded PostgreSQL holding the named databases (created empty), and
 * stops everything afterwards.
 */
export async function withBench(databases: string[], fn: (bench: Bench) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'jivs-bench-'));
  await chmod(dir, 0o755);
  const server = await startEmbeddedPostgres({
    dataDir: path.join(dir, 'pg'),
    port: 56_000 + Math.floor(Math.random() * 2000),
    osUser: 'jivs',
    log: createLogger('warn'),
  });
  try {
    await withClient(server.dsn('postgres'), async (c) => {
      for (const db of databases) await c.query(`CREATE DATABASE ${c.escapeIdentifier(db)}`);
    });
    await fn({ server, dir, dsn: (database) => server.dsn(database) });
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export type Call = (method: string, url: string, body?: unknown) => Promise<Record<string, any>>;

/**
 * Runs `fn` with the service started as its own process on `platformDsn`, signed in as admin;
 * `call` throws on a 4xx/5xx answer. The service is stopped with SIGTERM afterwards.
 */
export async function withService(bench: Bench, platformDsn: string, fn: (call: Call, service: ServiceProcess) => Promise<void>): Promise<void> {
  say('starting the service...');
  const password = 'bench password that is long enough';
  const service = await startServiceProcess({
    JIVS_DATA_DIR: path.join(bench.dir, 'service'),
    JIVS_DATABASE_WRITE: platformDsn,
    JIVS_AUTH_ADMIN_PASSWORD: password,
    JIVS_SECRETS_KEY: randomBytes(32).toString('base64'),
    // The bench polls job status every 25 ms; the default limit of 100/min would refuse it.
    JIVS_RATE_LIMITS_DEFAULT_POINTS: '1000000',
  });
  try {
    let api = caller(service.url);
    const call: Call = async (method, url, body) => {
      const res = await api(method, url, body);
      if (res.status >= 400) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body as Record<string, any>;
    };
    api = caller(service.url, (await call('POST', '/api/v1/auth/login', { username: 'admin', password })).accessToken as string);
    await fn(call, service);
    if (process.env.JIVS_TEST_LOG_LEVEL) process.stderr.write(service.output());
  } finally {
    service.child.kill('SIGTERM');
    await service.exited;
  }
}

/**
 * Polls a job every 25 ms until `done` says it ended, printing progress every 2 s; returns the
 * last state.
 */
export async function pollJob(call: Call, url: string, done: (job: Record<string, any>) => boolean, progress: (job: Record<string, any>) => string) {
  let lastShown = 0;
  for (;;) {
    const job = await call('GET', url);
    if (done(job)) return job;
    if (performance.now() - lastShown > 2000) {
      lastShown = performance.now();
      say(`  ${progress(job)}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Runs the reference and JiVS in interleaved rounds, so both see the same machine conditions. */
export async function interleaved<R extends { seconds: number }>(reference: () => Promise<number>, jivs: (round: number) => Promise<R>) {
  const refs: number[] = [];
  const runs: R[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    say(`round ${round}/${ROUNDS}: reference...`);
    refs.push(await reference());
    say(`round ${round}/${ROUNDS}: JiVS through the service...`);
    runs.push(await jivs(round));
    say(`  reference ${refs.at(-1)!.toFixed(2)} s, JiVS ${runs.at(-1)!.seconds.toFixed(2)} s`);
  }
  return { reference: median(refs), jivs: median(runs.map((r) => r.seconds)), runs };
}

/** The figures of a run, the same for every benchmark; `extra` adds the JiVS side's own. */
export function summarize<E extends object>(rounds: { reference: number; jivs: number }, peakRssMiB: number, extra: E) {
  return {
    date: new Date().toISOString(),
    machine: machine(),
    rows: ROWS,
    rounds: ROUNDS,
    reference: { seconds: +rounds.reference.toFixed(2), rowsPerSecond: Math.round(ROWS / rounds.reference) },
    jivs: { seconds: +rounds.jivs.toFixed(2), rowsPerSecond: Math.round(ROWS / rounds.jivs), ...extra, peakRssMiB },
    ratio: +(rounds.reference / rounds.jivs).toFixed(3),
  };
}

/** Prints the result as one JSON line (--json) or as the given lines. */
export function report(result: object, lines: string[]): void {
  process.stdout.write(args.json ? JSON.stringify(result) + '\n' : lines.join('\n') + '\n');
}
