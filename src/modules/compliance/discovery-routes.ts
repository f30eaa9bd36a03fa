import { CAN } from '../../http/access.ts';
import type { Routes } from '../../http/server.ts';
import { actorOf } from './actor.ts';
import type { Catalogue } from './catalogue.ts';
import type { Discovery } from './discovery.ts';
import { addCatalogueBody, catalogueQuery, discoveryBody, idParams, reviewBody } from './schemas.ts';

/** PII discovery and the catalogue it fills. */
export function discoveryRoutes(discovery: Discovery, catalogue: Catalogue): Routes {
  return async (app) => {
    const tags = ['compliance'];
    app.post(
      '/api/v1/compliance/discovery',
      {
        config: { access: CAN.manageCompliance },
        schema: {
          tags,
          summary: 'Sample one archived dataset (or all) for personal data and propose catalogue entries',
          body: discoveryBody,
        },
      },
      async (request) => ({ datasets: await discovery.discover(request.body?.datasetId, actorOf(request)) }),
    );
    app.get(
      '/api/v1/compliance/catalogue',
      { config: { access: CAN.readCompliance }, schema: { tags, summary: 'The PII catalogue', querystring: catalogueQuery } },
      async (request) => ({ items: await catalogue.list(request.query) }),
    );
    app.post(
      '/api/v1/compliance/catalogue',
      {
        config: { access: CAN.manageCompliance },
        schema: { tags, summary: 'Name a column or JSON field as personal data (confirmed at once)', body: addCatalogueBody },
      },
      async (request, reply) => reply.code(201).send(await catalogue.add(request.body, actorOf(request))),
    );
    app.patch(
      '/api/v1/compliance/catalogue/:id',
      {
        config: { access: CAN.manageCompliance },
        schema: { tags, summary: 'Confirm or reject a catalogue entry', params: idParams, body: reviewBody },
      },
      (request) => catalogue.review(request.params.id, request.body.status, actorOf(request)),
    );
  };
}
