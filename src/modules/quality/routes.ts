import { z } from 'zod';
import { CAN } from '../../http/access.ts';
import { notFound } from '../../http/errors.ts';
import type { Routes } from '../../http/server.ts';
import { nameText } from '../../http/text.ts';
import type { ChecksService } from './checks-service.ts';
import type { ProfilesService } from './profiles-service.ts';
import { requesterOf } from './requester.ts';
import { ruleDefinition } from './rule-spec.ts';
import type { RulesService } from './rules-service.ts';
import type { SchedulesService } from './schedules-service.ts';
import { SCORE_FORMULA } from './scoring.ts';
import { pageQuery } from '../../http/paging.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A path id that is not a UUID names nothing: 404, like an id that does not exist. */
function existing(what: string, id: string): string {
  if (!UUID.test(id)) throw notFound(what, id);
  return id;
}

const idParams = z.strictObject({ id: z.string().max(100) });
const datasetParams = z.strictObject({ datasetId: z.string().max(100) });
const datasetId = z.uuid({ message: 'must be an archived dataset id (a UUID)' });

const page = pageQuery();

const createRuleBody = z.strictObject({
  datasetId,
  name: nameText(200).optional(),
  rule: ruleDefinition,
});

// Cron fields, names (JAN, MON), @-macros and cron-parser's L, W, # and ?; no rrule (`=`, `;`).
const cronText = z
  .string()
  .trim()
  .min(1)
  .max(120)
  .regex(/^[\w*/,?#@ -]+$/, 'must be a cron expression: 5 fields, or 6 with seconds first (UTC), e.g. "0 3 * * *"');

/** /api/v1/quality: rules, check runs, issues, profiles and schedules. */
export function qualityRoutes(services: {
  rules: RulesService;
  checks: ChecksService;
  profiles: ProfilesService;
  schedules: SchedulesService;
}): Routes {
  const { rules, checks, profiles, schedules } = services;
  return async (app) => {
    const tags = ['quality'];

    app.post(
      '/api/v1/quality/rules',
      {
        config: { access: CAN.manageQuality },
        schema: {
          tags,
          summary: 'Create a quality rule for an archived dataset',
          description:
            'Kinds by dimension: completeness not_null, min_fill_rate; uniqueness unique; validity regex, range, ' +
            'allowed_values; consistency expression; referential_integrity references; freshness max_age. The rule is ' +
            'tried against the dataset first: unknown columns, unsuitable types, patterns PostgreSQL cannot compile and ' +
            'values that do not read as the column type are refused (400/422) and nothing is created.',
          body: createRuleBody,
        },
      },
      async (request, reply) => reply.code(201).send(await rules.create(request.body, requesterOf(request))),
    );
    app.get(
      '/api/v1/quality/rules',
      {
        config: { access: CAN.readJobs },
        schema: { tags, summary: 'List quality rules, oldest first', querystring: page.extend({ datasetId: datasetId.optional() }) },
      },
      async (request) => ({ items: await rules.list(request.query.datasetId, request.query.limit, request.query.offset) }),
    );
    app.get(
      '/api/v1/quality/rules/:id',
      { config: { access: CAN.readJobs }, schema: { tags, summary: 'A quality rule', params: idParams } },
      (request) => rules.get(existing('quality rule', request.params.id)),
    );
    app.delete(
      '/api/v1/quality/rules/:id',
      { config: { access: CAN.manageQuality }, schema: { tags, summary: 'Delete a quality rule (past checks keep their copy)', params: idParams } },
      async (request, reply) => {
        await rules.remove(existing('quality rule', request.params.id), requesterOf(request));
        return reply.code(204).send();
      },
    );

    app.post(
      '/api/v1/quality/checks',
      {
        config: { access: CAN.manageQuality },
        schema: {
          tags,
          summary: 'Run the dataset’s quality rules as a job; scores per rule, per dimension and overall',
          description: `${SCORE_FORMULA} With profile: true the job also profiles every column (GET /api/v1/quality/checks/{id}/profile).`,
          body: z.strictObject({ datasetId, profile: z.boolean().default(false) }),
        },
      },
      async (request, reply) =>
        reply.code(202).send(
          await checks.start(request.body.datasetId, {
            trigger: 'manual',
            profile: request.body.profile,
            requester: requesterOf(request),
          }),
        ),
    );
    app.get(
      '/api/v1/quality/checks',
      {
        config: { access: CAN.readJobs },
        schema: {
          tags,
          summary: 'List quality checks, newest first',
          querystring: page.extend({
            datasetId: datasetId.optional(),
            status: z.enum(['queued', 'running', 'completed', 'failed']).optional(),
          }),
        },
      },
      async (request) => {
        const { datasetId: id, status, limit, offset } = request.query;
        return { items: await checks.list({ datasetId: id, status }, limit, offset) };
      },
    );
    app.get(
      '/api/v1/quality/checks/:id',
      {
        config: { access: CAN.readJobs },
        schema: { tags, summary: 'Status and scores of a quality check, with each rule’s result', description: SCORE_FORMULA, params: idParams },
      },
      (request) => checks.get(existing('quality check', request.params.id)),
    );
    app.get(
      '/api/v1/quality/checks/:id/issues',
      {
        config: { access: CAN.readArchive },
        schema: { tags, summary: 'Rules a check found not passing, with up to five failing rows each', params: idParams },
      },
      async (request) => ({ items: await checks.issues(existing('quality check', request.params.id)) }),
    );
    app.get(
      '/api/v1/quality/checks/:id/profile',
      {
        config: { access: CAN.readArchive },
        schema: { tags, summary: 'The column profile a check made (started with profile: true)', params: idParams },
      },
      (request) => checks.profile(existing('quality check', request.params.id)),
    );

    app.post(
      '/api/v1/quality/profiles',
      {
        config: { access: CAN.readArchive },
        schema: {
          tags,
          summary: 'Profile every column of a dataset now',
          description:
            'Per column: NULL share, distinct count, min/max (ordered types), the five most frequent values, and ' +
            'from the first 1000 values the most common shape (letters → A, digits → 9) and a semantic type guess ' +
            '(uuid, email, timestamp, date, integer, decimal, boolean) when 90% of them agree. Runs on the analytics ' +
            'database, each statement bounded by its statement timeout.',
          body: z.strictObject({ datasetId }),
        },
      },
      (request) => profiles.profile(request.body.datasetId, requesterOf(request)),
    );

    app.get(
      '/api/v1/quality/schedules',
      { config: { access: CAN.readJobs }, schema: { tags, summary: 'List scheduled quality checks', querystring: page } },
      async (request) => ({ items: await schedules.list(request.query.limit, request.query.offset) }),
    );
    app.put(
      '/api/v1/quality/schedules/:datasetId',
      {
        config: { access: CAN.manageQuality },
        schema: {
          tags,
          summary: 'Check a dataset on a cron schedule (UTC), replacing its previous schedule',
          params: datasetParams,
          body: z.strictObject({ cron: cronText }),
        },
      },
      (request) => schedules.set(existing('dataset', request.params.datasetId), request.body.cron, requesterOf(request)),
    );
    app.delete(
      '/api/v1/quality/schedules/:datasetId',
      { config: { access: CAN.manageQuality }, schema: { tags, summary: 'Stop checking a dataset on a schedule', params: datasetParams } },
      async (request, reply) => {
        await schedules.remove(existing('dataset', request.params.datasetId), requesterOf(request));
        return reply.code(204).send();
      },
    );
  };
}
