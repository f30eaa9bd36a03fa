import { CAN } from '../../http/access.ts';
import type { Routes } from '../../http/server.ts';
import { actorOf } from './actor.ts';
import type { Requests } from './requests.ts';
import { createRequestBody, exportQuery, idParams, listRequestsQuery, rejectBody } from './schemas.ts';

/** Data-subject requests (GDPR, CCPA): intake, status, receipts and exports. */
export function requestRoutes(requests: Requests): Routes {
  return async (app) => {
    const tags = ['compliance'];
    app.post(
      '/api/v1/compliance/requests',
      {
        config: { access: CAN.manageCompliance },
        schema: {
          tags,
          summary: 'Receive a data-subject request (access, erasure, rectification, portability); it is processed as a job',
          body: createRequestBody,
        },
      },
      async (request, reply) => reply.code(202).send(await requests.create(request.body, actorOf(request))),
    );
    app.get(
      '/api/v1/compliance/requests',
      {
        config: { access: CAN.readCompliance },
        schema: {
          tags,
          summary: 'Data-subject requests, newest first; ?overdue=true for those past their deadline',
          querystring: listRequestsQuery,
        },
      },
      async (request) => ({ items: await requests.list(request.query) }),
    );
    app.get(
      '/api/v1/compliance/requests/:id',
      { config: { access: CAN.readCompliance }, schema: { tags, summary: 'A data-subject request with its receipt', params: idParams } },
      (request) => requests.get(request.params.id),
    );
    app.post(
      '/api/v1/compliance/requests/:id/reject',
      {
        config: { access: CAN.manageCompliance },
        schema: { tags, summary: 'Reject an open request (e.g. the identity could not be verified)', params: idParams, body: rejectBody },
      },
      (request) => requests.reject(request.params.id, request.body.reason, actorOf(request)),
    );
    app.get(
      '/api/v1/compliance/requests/:id/receipt',
      {
        config: { access: CAN.readCompliance },
        schema: { tags, summary: 'The receipt exactly as hashed (its SHA-256 in the x-receipt-sha256 header)', params: idParams },
      },
      async (request, reply) => {
        const receipt = await requests.receipt(request.params.id);
        return reply.type('application/json; charset=utf-8').header('x-receipt-sha256', receipt.sha256).send(receipt.text);
      },
    );
    app.get(
      '/api/v1/compliance/requests/:id/export',
      {
        // The export is the subject's personal data itself, for whoever answers the request:
        // auditors see requests and receipts, not the data (as with CAN.readArchive).
        config: { access: CAN.manageCompliance },
        schema: {
          tags,
          summary: 'Download the export of an access or portability request: the JSON bundle, or one dataset as CSV',
          params: idParams,
          querystring: exportQuery,
        },
      },
      async (request, reply) => {
        const file = await requests.exportFile(request.params.id, request.query.format, request.query.datasetId, actorOf(request));
        return reply
          .type(file.contentType)
          .header('content-disposition', `attachment; filename="${file.name}"`)
          .header('x-content-sha256', file.sha256)
          .send(file.content);
      },
    );
  };
}
