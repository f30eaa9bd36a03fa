/**
 * npm run bench:extract [-- --rows N] [--json]
 *
 * Generates a table of N rows (default 1,000,000; 10 mixed columns) in a source database and,
 * in one run, times (a) the raw pipe `COPY (SELECT ...) TO STDOUT | COPY ... FROM STDIN` between
 * the source and the platform database and (b) a JiVS extraction of the same table, run by the
 * service as a separate process. Prints both rates, the ratio, and the service's peak RSS.
 */
import { pipeline } from 'node:stream/promises';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { COLUMNS, generateRows, interleaved, median, peakRssMiB, pollJob, report, ROUNDS, ROWS, summarize, withBench, withClient, withService } from './support.ts';

await withBench(['bench_source', 'bench_platform'], async (bench) => {
  const sourceDsn = bench.dsn('bench_source');
  const platformDsn = bench.dsn('bench_platform');
  await generateRows(sourceDsn, ROWS);

  /** The reference: the raw engine doing the same work, one COPY pipe. */
  const reference = () =>
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

  await withService(bench, platformDsn, async (call, service) => {
    const source = await call('POST', '/api/v1/sources', { name: 'bench', kind: 'postgres', dsn: sourceDsn });

    /** One JiVS extraction, timed from the start request until it is verified. */
    const extraction = async (round: number) => {
      const created = await call('POST', '/api/v1/extractions', { name: `bench ${round}`, sourceId: source.id, table: 'bench_rows' });
      const started = performance.now();
      await call('POST', `/api/v1/extractions/${created.id}/start`);
      const job = await pollJob(
        call,
        `/api/v1/extractions/${created.id}`,
        (j) => ['completed', 'failed', 'cancelled'].includes(j.status),
        (j) => `${j.status}: ${j.progress.records.toLocaleString('en')} records, ${j.progress.recordsPerSecond.toLocaleString('en')}/s, ETA ${j.progress.etaSeconds ?? '?'} s`,
      );
      const seconds = (performance.now() - started) / 1000;
      if (job.status !== 'completed') throw new Error(`the extraction ended ${job.status}: ${job.error}`);
      return { seconds, copy: job.verification.copyMs / 1000, verify: job.verification.verifyMs / 1000, verified: job.verification.match as boolean };
    };

    const rounds = await interleaved(reference, extraction);
    const peak = await peakRssMiB(service.child.pid!);
    const copySeconds = median(rounds.runs.map((r) => r.copy));
    const verifySeconds = median(rounds.runs.map((r) => r.verify));
    const result = summarize(rounds, peak, { copySeconds, verifySeconds, verified: rounds.runs.every((r) => r.verified) });
    report(result, [
      `rows:       ${ROWS.toLocaleString('en')} (10 columns), median of ${ROUNDS} interleaved rounds`,
      `reference:  ${result.reference.seconds} s  ${result.reference.rowsPerSecond.toLocaleString('en')} rows/s  (raw COPY pipe)`,
      `jivs:       ${result.jivs.seconds} s  ${result.jivs.rowsPerSecond.toLocaleString('en')} rows/s  (start request → verified; copy ${copySeconds} s + verify ${verifySeconds} s)`,
      `ratio:      ${result.ratio}  (goal ≥ 0.8)`,
      `verified:   ${result.jivs.verified}`,
      `peak RSS:   ${peak} MiB (service process)`,
      `machine:    ${result.machine}`,
    ]);
  });
});
