/**
 * npm run bench:migrate [-- --rows N] [--rounds R] [--json]
 *
 * Generates a table of N rows (default 1,000,000; 10 mixed columns) in a source database and,
 * in one run, times (a) the raw pipe `COPY (SELECT ...) TO STDOUT | COPY ... FROM STDIN` from
 * the source into an empty table of the same shape (primary key included) in a target database
 * and (b) a JiVS migration of the same table into the same kind of table, with three validation
 * rules (not_null, regex, range), run by the service as a separate process and timed from the
 * start request until it is verified. Prints both rates, the ratio, and the service's peak RSS.
 */
import { pipeline } from 'node:stream/promises';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { COLUMNS, generateRows, interleaved, median, peakRssMiB, pollJob, report, ROUNDS, ROWS, summarize, withBench, withClient, withService } from './support.ts';

const COLUMN_NAMES = ['id', 'customer', 'quantity', 'amount', 'ratio', 'created', 'due', 'active', 'attributes', 'ref'];
const RULES = [
  { type: 'not_null', column: 'customer' },
  { type: 'regex', column: 'customer', pattern: '^customer \\d+$' },
  { type: 'range', column: 'quantity', min: 0, max: 1000 },
];

await withBench(['bench_source', 'bench_target', 'bench_platform'], async (bench) => {
  const sourceDsn = bench.dsn('bench_source');
  const targetDsn = bench.dsn('bench_target');
  await generateRows(sourceDsn, ROWS);

  /** The reference: the raw engine doing the same copy, one COPY pipe into a table of the same shape. */
  const reference = () =>
    withClient(sourceDsn, (src) =>
      withClient(targetDsn, async (dst) => {
        await dst.query(`CREATE TABLE reference_copy (${COLUMNS})`);
        const started = performance.now();
        await pipeline(src.query(copyTo('COPY (SELECT * FROM bench_rows) TO STDOUT')), dst.query(copyFrom('COPY reference_copy FROM STDIN')));
        const seconds = (performance.now() - started) / 1000;
        await dst.query('DROP TABLE reference_copy');
        return seconds;
      }),
    );

  await withService(bench, bench.dsn('bench_platform'), async (call, service) => {
    const source = await call('POST', '/api/v1/sources', { name: 'bench source', kind: 'postgres', dsn: sourceDsn });
    const target = await call('POST', '/api/v1/sources', { name: 'bench target', kind: 'postgres', dsn: targetDsn });

    /** One JiVS migration into a fresh table, timed from the start request until it is verified. */
    const migration = async (round: number) => {
      const table = `migrated_${round}`;
      await withClient(targetDsn, (c) => c.query(`CREATE TABLE ${table} (${COLUMNS})`));
      const created = await call('POST', '/api/v1/migrations', {
        name: `bench ${round}`,
        source: { sourceId: source.id, table: 'bench_rows' },
        target: { sourceId: target.id, table: `public.${table}` },
        mapping: COLUMN_NAMES.map((name) => ({ target: name })),
        rules: RULES,
      });
      const started = performance.now();
      await call('POST', `/api/v1/migrations/${created.id}/start`);
      const job = await pollJob(
        call,
        `/api/v1/migrations/${created.id}`,
        (j) => ['completed', 'failed'].includes(j.status),
        (j) => `${j.status}: ${j.records.read.toLocaleString('en')} records, ${j.recordsPerSecond.toLocaleString('en')}/s`,
      );
      const seconds = (performance.now() - started) / 1000;
      if (job.status !== 'completed') throw new Error(`the migration ended ${job.status}: ${job.error}`);
      if (job.records.migrated !== ROWS) throw new Error(`the migration loaded ${job.records.migrated} of ${ROWS} rows`);
      await withClient(targetDsn, (c) => c.query(`DROP TABLE ${table}`));
      return { seconds, verify: job.verification.verifyMs / 1000, verified: job.verification.match as boolean };
    };

    const rounds = await interleaved(reference, migration);
    const peak = await peakRssMiB(service.child.pid!);
    const verifySeconds = median(rounds.runs.map((r) => r.verify));
    const result = summarize(rounds, peak, { verifySeconds, verified: rounds.runs.every((r) => r.verified) });
    report(result, [
      `rows:       ${ROWS.toLocaleString('en')} (10 columns, 3 validation rules), median of ${ROUNDS} interleaved rounds`,
      `reference:  ${result.reference.seconds} s  ${result.reference.rowsPerSecond.toLocaleString('en')} rows/s  (raw COPY pipe into the same table shape)`,
      `jivs:       ${result.jivs.seconds} s  ${result.jivs.rowsPerSecond.toLocaleString('en')} rows/s  (start request → verified; verify ${verifySeconds} s)`,
      `ratio:      ${result.ratio}  (goal ≥ 0.5)`,
      `verified:   ${result.jivs.verified}`,
      `peak RSS:   ${peak} MiB (service process)`,
      `machine:    ${result.machine}`,
    ]);
  });
});
