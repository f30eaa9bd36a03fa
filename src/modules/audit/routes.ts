import { Readable } from 'node:stream';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { CAN } from '../../http/access.ts';
import { nextPageKey, pageKey, pageQuery } from '../../http/paging.ts';
import type { Routes } from '../../http/server.ts';
import { nameText } from '../../http/text.ts';
import { searchEntries, verifyChain, type AuditFilters } from './audit-log.ts';
import { entryView, presentEntry } from './entry-view.ts';
import { EXPORT_FORMATS, exportFormats, type ExportFormat } from './export-formats.ts';

// PostgreSQL's timestamps start at 4713 BC, ISO 8601 allows year 0000: keep to years it surely takes.
const instant = z.iso
  .datetime({ offset: true })
  .refine((s) => new Date(s).getUTCFullYear() >= 1, 'must be in year 1 or later');

const filters = z.strictObject({
  actor: nameText(256).optional().describe('username (case-insensitive), also of failed sign-ins'),
  action: nameText(200).optional().describe('action prefix, e.g. `auth.` or `sources.create`'),
  outcome: z.enum(['success', 'failure', 'denied']).optional(),
  from: instant.optional().describe('entries at or after this instant (ISO 8601 with offset)'),
  to: instant.optional().describe('entries before this instant'),
  target: nameText(256).optional().describe('what the action was done to, e.g. a source id'),
});

const searchQuery = filters.extend({
  limit: pageQuery(100).shape.limit,
  before: pageKey('entries before this seq: `nextBefore` of the previous page'),
});

const verification = z.object({
  valid: z.boolean(),
  entries: z.number().int().describe('entries found intact (when broken: those before the break)'),
  lastSeq: z.number().int().optional(),
  lastHash: z.string().optional().describe('note it elsewhere: a later cut of the tail shows as a missing head'),
  firstBrokenSeq: z.number().int().optional(),
  problem: z.string().optional(),
});

const EXPORT_PAGE = 1000;

/** The export, newest first, a page at a time so memory stays flat whatever its size. */
async function* exportText(ctx: AppContext, format: ExportFormat, where: AuditFilters): AsyncGenerator<string> {
  const { header, line } = exportFormats[format];
  if (header) yield header;
  let before: string | undefined;
  for (;;) {
    const rows = await searchEntries(ctx.db.analytics, where, before, EXPORT_PAGE);
    if (rows.length > 0) yield rows.map(line).join('');
    const last = rows.at(-1);
    if (!last || rows.length < EXPORT_PAGE) return;
    before = last.seq;
  }
}

/** GET /api/v1/audit, /api/v1/audit/export and /api/v1/audit/verify: read-only, for auditors. */
export function auditRoutes(ctx: AppContext): Routes {
  return async (app) => {
    const tags = ['audit'];
    app.get(
      '/api/v1/audit',
      {
        config: { access: CAN.readAudit },
        schema: {
          tags,
          summary: 'Search the audit trail, newest first',
          querystring: searchQuery,
          response: { 200: z.object({ items: z.array(entryView), nextBefore: z.number().int().nullable() }) },
        },
      },
      async (request) => {
        const { limit, before, ...where } = request.query;
        const rows = await searchEntries(ctx.db.read(), where, before?.toString(), limit);
        return { items: rows.map(presentEntry), nextBefore: nextPageKey(rows, limit, (r) => Number(r.seq)) };
      },
    );
    app.get(
      '/api/v1/audit/export',
      {
        config: { access: CAN.readAudit },
        schema: {
          tags,
          summary: 'Export the audit trail (CSV or NDJSON), newest first, streamed',
          description: 'Takes the filters of GET /api/v1/audit. The export itself is recorded (audit.export).',
          querystring: filters.extend({ format: z.enum(EXPORT_FORMATS).default('csv') }),
        },
      },
      async (request, reply) => {
        const { format, ...where } = request.query;
        const stamp = new Date().toISOString().replaceAll(':', '-');
        return reply
          .type(exportFormats[format].type)
          .header('content-disposition', `attachment; filename="audit-${stamp}.${format}"`)
          .send(Readable.from(exportText(ctx, format, where)));
      },
    );
    app.get(
      '/api/v1/audit/verify',
      {
        config: { access: CAN.readAudit },
        schema: {
          tags,
          summary: 'Verify the hash chain of the whole audit trail',
          description: 'Recomputes every hash in order; reports the first edited, deleted, inserted or reordered entry.',
          response: { 200: verification },
        },
      },
      () => verifyChain(ctx.db.analytics),
    );
  };
}
