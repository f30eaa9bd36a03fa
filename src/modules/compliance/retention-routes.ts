import { CAN } from '../../http/access.ts';
import type { Routes } from '../../http/server.ts';
import { actorOf } from './actor.ts';
import type { LegalHolds } from './legal-holds.ts';
import type { Retention } from './retention.ts';
import { createHoldBody, createPolicyBody, idParams, listHoldsQuery, listPoliciesQuery, page } from './schemas.ts';

/** Retention policies, their runs, and legal holds. */
export function retentionRoutes(retention: Retention, holds: LegalHolds): Routes {
  return async (app) => {
    const tags = ['compliance'];
    const policies = '/api/v1/compliance/retention-policies';
    app.post(
      policies,
      {
        config: { access: CAN.manageCompliance },
        schema: {
          tags,
          summary: "Keep a dataset's rows for a number of days after their date column, then delete or anonymise them",
          body: createPolicyBody,
        },
      },
      async (request, reply) => reply.code(201).send(await retention.createPolicy(request.body, actorOf(request))),
    );
    app.get(
      policies,
      {
        config: { access: CAN.readCompliance },
        schema: { tags, summary: 'Retention policies', querystring: listPoliciesQuery },
      },
      async (request) => ({ items: await retention.listPolicies(request.query.datasetId, request.query.limit, request.query.offset) }),
    );
    app.get(
      `${policies}/:id`,
      { config: { access: CAN.readCompliance }, schema: { tags, summary: 'A retention policy', params: idParams } },
      (request) => retention.getPolicy(request.params.id),
    );
    app.delete(
      `${policies}/:id`,
      { config: { access: CAN.manageCompliance }, schema: { tags, summary: 'Delete a retention policy and its schedule', params: idParams } },
      async (request, reply) => {
        await retention.deletePolicy(request.params.id, actorOf(request));
        return reply.code(204).send();
      },
    );
    app.post(
      `${policies}/:id/run`,
      { config: { access: CAN.manageCompliance }, schema: { tags, summary: 'Run a retention policy now', params: idParams } },
      async (request, reply) => reply.code(202).send(await retention.runNow(request.params.id, actorOf(request))),
    );
    app.get(
      `${policies}/:id/runs`,
      {
        config: { access: CAN.readCompliance },
        schema: { tags, summary: 'Runs of a retention policy, newest first', params: idParams, querystring: page },
      },
      async (request) => ({ items: await retention.listRuns(request.params.id, request.query.limit, request.query.offset) }),
    );
    app.get(
      '/api/v1/compliance/retention-runs/:id',
      { config: { access: CAN.readCompliance }, schema: { tags, summary: 'A retention run', params: idParams } },
      (request) => retention.getRun(request.params.id),
    );

    const legalHolds = '/api/v1/compliance/legal-holds';
    app.post(
      legalHolds,
      {
        config: { access: CAN.manageCompliance },
        schema: { tags, summary: 'Place a legal hold on a dataset: no erasure, rectification or retention touches it', body: createHoldBody },
      },
      async (request, reply) => reply.code(201).send(await holds.place(request.body.datasetId, request.body.reason, actorOf(request))),
    );
    app.get(
      legalHolds,
      {
        config: { access: CAN.readCompliance },
        schema: { tags, summary: 'Legal holds (active ones unless ?active=false)', querystring: listHoldsQuery },
      },
      async (request) => ({ items: await holds.list(request.query) }),
    );
    app.delete(
      `${legalHolds}/:id`,
      { config: { access: CAN.manageCompliance }, schema: { tags, summary: 'Release a legal hold (it stays on record)', params: idParams } },
      (request) => holds.release(request.params.id, actorOf(request)),
    );
  };
}
