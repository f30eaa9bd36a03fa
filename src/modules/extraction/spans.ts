import { context, type Attributes, type Tracer } from '@opentelemetry/api';
import { markFailed } from '../../observability/spans.ts';
import { maskText } from '../../observability/masking.ts';
import type { ResolvedSource } from '../sources/kinds.ts';
import type { Segment } from './readers/reader.ts';

/**
 * The spans of an extraction attempt, children of its job span (pg-boss's `process extraction`):
 * `extraction.connect` (opening the source), `extraction.query` (`extraction.read` for files and
 * HTTP APIs), `extraction.bulk_insert` (COPY into the archive) and `extraction.verify`. Reading
 * and the bulk insert run at the same time — the copy pulls segments as it writes them — so
 * their spans overlap.
 */

/** What identifies the source on its connect span (never credentials). */
export function sourceAttributes(source: ResolvedSource): Attributes {
  return source.kind === 'postgres'
    ? { 'jivs.source.kind': source.kind, 'db.system': 'postgresql', 'db.name': source.settings.database }
    : { 'jivs.source.kind': source.kind };
}

/**
 * `segments` counted into a read span that starts at the first pull and ends when reading does
 * (done, failed, or stopped by the writer), with `db.rows` read in this attempt. Its parent is the
 * span active now, not the bulk insert that will pull from it.
 */
export function tracedRead(
  tracer: Tracer,
  source: ResolvedSource,
  statement: string | undefined,
  segments: AsyncIterable<Segment>,
): AsyncIterable<Segment> {
  const parent = context.active();
  const name = source.kind === 'postgres' ? 'extraction.query' : 'extraction.read';
  // A user's query is their own SQL: it may hold literals, masked like a log line.
  const attributes = { ...sourceAttributes(source), ...(statement ? { 'db.statement': maskText(statement) } : {}) };
  return (async function* () {
    const span = tracer.startSpan(name, { attributes }, parent);
    let rows = 0;
    try {
      for await (const segment of segments) {
        rows += segment.rows;
        yield segment;
      }
    } catch (e) {
      markFailed(span, e);
      throw e;
    } finally {
      span.setAttribute('db.rows', rows);
      span.end();
    }
  })();
}
