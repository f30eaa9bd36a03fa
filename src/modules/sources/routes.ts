import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../context.ts';
import { CAN, principalOf } from '../../http/access.ts';
import { badRequest, notFound } from '../../http/errors.ts';
import type { Routes } from '../../http/server.ts';
import { named } from '../../observability/logger.ts';
import { isHostAllowed } from './allowed-hosts.ts';
import { testSource } from './connection-test.ts';
import { encryptSecret } from './credentials-cipher.ts';
import { resolveConfinedPath } from './file-paths.ts';
import type { ResolvedSource, SourceSecret } from './kinds.ts';
import { displayDsn, parsePostgresDsn } from './postgres-dsn.ts';
import { createSourceBody, sourceIdParams, sourceView, testResult, type CreateSourceBody, type SourceView } from './schemas.ts';
import type { SourceRecord, SourceStore } from './source-store.ts';

export interface RouteDeps {
  store: SourceStore;
  resolve(id: string): Promise<ResolvedSource>;
  fileRoot: string;
}

const tags = ['sources'];

/** Splits a create request into what is stored in clear and what is stored encrypted. */
async function settingsAndSecret(
  body: CreateSourceBody,
  deps: RouteDeps,
  allowedHosts: readonly string[],
): Promise<{ settings: object; secret: SourceSecret }> {
  switch (body.kind) {
    case 'postgres': {
      const { settings, password } = parsePostgresDsn(body.dsn);
      return { settings, secret: password === undefined ? {} : { password } };
    }
    case 'csv':
    case 'ndjson': {
      const { name: _name, kind: _kind, ...settings } = body;
      await resolveConfinedPath(deps.fileRoot, settings.path);
      return { settings, secret: {} };
    }
    case 'http_json': {
      const { name: _name, kind: _kind, secretHeaders, ...settings } = body;
      const url = new URL(settings.url);
      if (!isHostAllowed(url, allowedHosts)) {
        throw badRequest(`host ${url.host} is not allowed for HTTP sources; allowed: ${allowedHosts.join(', ') || 'none'} (sources.httpAllowedHosts)`);
      }
      return { settings, secret: secretHeaders && Object.keys(secretHeaders).length > 0 ? { headers: secretHeaders } : {} };
    }
  }
}

function toView(record: SourceRecord): SourceView {
  const view: SourceView = {
    id: record.id,
    name: record.name,
    kind: record.kind,
    settings: record.settings,
    hasSecret: record.hasSecret,
    createdBy: record.createdBy,
    createdAt: record.createdAt.toISOString(),
  };
  if (record.kind === 'postgres') view.dsn = displayDsn(record.settings as Parameters<typeof displayDsn>[0]);
  return view;
}

/** Why a test failed, in words; network errors of dual-stack connects come as an empty AggregateError. */
function failureMessage(e: unknown): string {
  if (e instanceof AggregateError && !e.message) {
    return [...new Set(e.errors.map((inner) => failureMessage(inner)))].join('; ');
  }
  if (e instanceof Error) return e.message || (e as NodeJS.ErrnoException).code || e.name;
  return String(e);
}

/** POST/GET/DELETE /api/v1/sources and POST /api/v1/sources/:id/test. */
export function sourcesRoutes(ctx: AppContext, deps: RouteDeps): Routes {
  const log = named(ctx.log, 'sources');
  const { httpAllowedHosts, httpTimeoutMs } = ctx.config.sources;

  // Registration is synchronous; Fastify wants the plugin to return a promise.
  return (app) => {
    app.post(
      '/api/v1/sources',
      {
        config: { access: CAN.manageSources },
        schema: {
          tags,
          summary: 'Register a data source',
          description:
            'Passwords and secret headers are stored encrypted and never returned. File paths are relative to sources.fileRoot.',
          body: createSourceBody,
          response: { 201: sourceView },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const { settings, secret } = await settingsAndSecret(body, deps, httpAllowedHosts);
        const id = randomUUID();
        const hasSecret = Object.keys(secret).length > 0;
        const record = await deps.store.insert({
          id,
          name: body.name,
          kind: body.kind,
          settings,
          secretCiphertext: hasSecret ? encryptSecret(ctx.secrets.sourceKey, secret, id) : null,
          createdBy: principalOf(request).userId,
        });
        log.info({ source_id: id, kind: body.kind, user_id: principalOf(request).userId }, 'data source created');
        return reply.code(201).send(toView(record));
      },
    );

    app.get(
      '/api/v1/sources',
      {
        config: { access: CAN.readSources },
        schema: { tags, summary: 'List data sources', response: { 200: sourceView.array() } },
      },
      async () => (await deps.store.list()).map(toView),
    );

    app.get(
      '/api/v1/sources/:id',
      {
        config: { access: CAN.readSources },
        schema: { tags, summary: 'One data source', params: sourceIdParams, response: { 200: sourceView } },
      },
      async (request) => {
        const record = await deps.store.find(request.params.id);
        if (!record) throw notFound('data source', request.params.id);
        return toView(record);
      },
    );

    app.delete(
      '/api/v1/sources/:id',
      {
        config: { access: CAN.manageSources },
        schema: {
          tags,
          summary: 'Delete a data source',
          description: 'Refused with 409 while extraction jobs refer to the source.',
          params: sourceIdParams,
        },
      },
      async (request, reply) => {
        if (!(await deps.store.delete(request.params.id))) throw notFound('data source', request.params.id);
        log.info({ source_id: request.params.id, user_id: principalOf(request).userId }, 'data source deleted');
        return reply.code(204).send();
      },
    );

    app.post(
      '/api/v1/sources/:id/test',
      {
        config: { access: CAN.manageSources },
        schema: {
          tags,
          summary: 'Check that a data source can be read',
          description:
            'Connects to the database, reads the first records of the file, or fetches the first page. ' +
            'A source that cannot be read is a result (ok: false), not an error.',
          params: sourceIdParams,
          response: { 200: testResult },
        },
      },
      async (request) => {
        const { id } = request.params;
        if (!(await deps.store.find(id))) throw notFound('data source', id);
        try {
          const source = await deps.resolve(id);
          const details = await testSource(source, { httpTimeoutMs });
          log.info({ source_id: id, kind: source.kind, ok: true }, 'data source tested');
          return { ok: true as const, details };
        } catch (e) {
          const error = failureMessage(e);
          log.info({ source_id: id, ok: false, reason: error }, 'data source tested');
          return { ok: false as const, error };
        }
      },
    );
    return Promise.resolve();
  };
}
