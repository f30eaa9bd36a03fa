import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type RawServerDefault,
} from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type FastifyPluginAsyncZod,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AppContext } from '../context.ts';
import { isCommitInDoubt, isNoAnalyticsNode } from '../data/database-roles.ts';
import { isPrimaryUnavailable } from '../resilience/database-failover.ts';
import { named } from '../observability/logger.ts';
import { outcomeOf } from '../observability/metrics.ts';
import { bearerToken, type Access, type Principal } from './access.ts';
import { badRequest, forbidden, isHttpError, unauthorized } from './errors.ts';
import { idempotent, IDEMPOTENT_METHODS } from './idempotency.ts';
import { createRateLimits } from './rate-limits.ts';
import { nameRequestSpan, tracedRequests } from './request-spans.ts';
import { hasControlCharacters } from './text.ts';

export type Server = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;
/** A module's routes: a Fastify plugin whose schemas are zod. */
export type Routes = FastifyPluginAsyncZod;

export interface ServerParts {
  /** Turns a bearer token into the signed-in user, or throws an HttpError. */
  verifyAccessToken(token: string): Promise<Principal>;
  /** Called after every response (the audit trail). */
  onRequestDone?(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  routes: Routes[];
}

/**
 * The HTTP front of one instance: security headers, rate limits, authentication and RBAC on
 * every route, input validation at the edge, errors as `{ error, message, details }`, metrics,
 * and the OpenAPI document at /openapi.json (UI at /docs).
 */
export async function buildServer(ctx: AppContext, parts: ServerParts): Promise<Server> {
  const httpLog: FastifyBaseLogger = named(ctx.log, 'http');
  const app = Fastify({
    loggerInstance: httpLog,
    bodyLimit: ctx.config.http.bodyLimitBytes,
    // One line per request is written by the onResponse hook below, with the plan's fields.
    // Every line written through request.log carries request_id from this binding.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    requestIdHeader: 'x-request-id',
    trustProxy: ['127.0.0.1', '::1'],
    routerOptions: { maxParamLength: 200 },
    // Fastify's own server, with each request run inside its trace span (request-spans.ts).
    serverFactory: (handler, options) => {
      const server = createServer(tracedRequests(ctx.tracing, handler));
      server.keepAliveTimeout = Number(options.keepAliveTimeout);
      server.requestTimeout = Number(options.requestTimeout);
      server.setTimeout(Number(options.connectionTimeout));
      return server;
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // First of the hooks, so a request refused by a later one (401, 403, 429) is named too.
  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.url) nameRequestSpan(request.method, request.routeOptions.url);
  });

  // A route without a declared audience would be an accidental hole; refuse to start.
  // Signed-in changes accept an Idempotency-Key, unless the route opts out (its answer holds
  // tokens); public ones (sign-in, refresh) never do.
  app.addHook('onRoute', (route) => {
    const access = route.config?.access;
    if (access === undefined && !route.url.startsWith('/docs')) {
      throw new Error(`route ${route.method.toString()} ${route.url} declares no access policy`);
    }
    const methods = [route.method].flat();
    const keepsAnswers = access !== 'public' && access !== undefined && route.config?.idempotent !== false;
    if (keepsAnswers && methods.some((m) => IDEMPOTENT_METHODS.has(m))) {
      route.handler = idempotent(ctx, route.handler);
    }
  });

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'validator.swagger.io'],
        frameAncestors: ["'none'"],
      },
    },
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'JiVS Platform API',
        version: '0.1.0',
        description:
          'Extract data from source systems into the archive, and run the platform. ' +
          'Sign in at POST /api/v1/auth/login and send the access token as `Authorization: Bearer <token>`. ' +
          'Signed-in POST, PUT, PATCH and DELETE requests accept an `Idempotency-Key` header (1-255 visible ASCII ' +
          'characters): a request retried with the same key is applied once and answered with the first answer ' +
          '(header `Idempotent-Replayed: true`); the same key with a different request gets 422. Keys are kept ' +
          `${ctx.config.http.idempotencyKeyTtlHours} hours. A password change ignores the header: its answer holds tokens.`,
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  // Request metrics: the route template, never the raw URL, keeps label cardinality bounded.
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'UNMATCHED';
    ctx.metrics.httpRequests.observe(
      {
        method: request.method,
        route,
        status: String(reply.statusCode),
        outcome: outcomeOf(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
    request.log.info(
      {
        method: request.method,
        route,
        status: reply.statusCode,
        duration_ms: Math.round(reply.elapsedTime),
        user_id: request.principal?.userId,
        remote_addr: request.ip,
      },
      'request completed',
    );
    await parts.onRequestDone?.(request, reply).catch((error: unknown) =>
      request.log.error({ error }, 'could not record the request in the audit trail'),
    );
  });

  const limits = createRateLimits(ctx);

  // Authentication and RBAC run before the body is read: an anonymous or forbidden request
  // gets 401/403 whatever it carries.
  app.addHook('onRequest', async (request, reply) => {
    if (ctx.lifecycle.shuttingDown) reply.header('connection', 'close');
    if (hasControlCharacters(decodeURIComponentSafe(request.url))) {
      throw badRequest('the URL contains control characters; encode or remove them');
    }
    const access: Access | undefined = request.routeOptions.config.access;
    if (access !== 'public' && access !== undefined) {
      const token = bearerToken(request.headers.authorization);
      if (!token) throw unauthorized();
      request.principal = await parts.verifyAccessToken(token);
      if (access !== 'authenticated' && !access.includes(request.principal.role)) {
        throw forbidden(
          `your role ${request.principal.role} may not do this; it needs one of: ${access.join(', ')}`,
        );
      }
    }
  });

  // Rate limits run after parsing: the sign-in limit is per account, named in the body.
  app.addHook('preHandler', async (request) => limits.check(request));

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isHttpError(error)) {
      return reply
        .code(error.status)
        .headers(error.headers)
        .send({ error: error.code, message: error.message, details: error.details, requestId: request.id });
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const issues = error.validation.map((v) => ({
        where: error.validationContext,
        path: v.instancePath.replace(/^\//, '').replaceAll('/', '.'),
        message: v.message,
      }));
      const first = issues[0];
      return reply.code(400).send({
        error: 'validation_failed',
        message: `invalid ${error.validationContext ?? 'request'}${first ? `: ${first.path ? first.path + ': ' : ''}${first.message}` : ''}`,
        details: { issues },
        requestId: request.id,
      });
    }
    const unavailable = unavailableMessage(error);
    if (unavailable) {
      request.log.warn({ error: error.message }, 'request failed: database unavailable');
      return reply.code(503).header('retry-after', '5').send({ error: 'unavailable', message: unavailable, requestId: request.id });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply.code(status).send({
        error: (error.code ?? 'bad_request').toLowerCase(),
        message: clientMessage(error),
        requestId: request.id,
      });
    }
    request.log.error({ error }, 'request failed');
    return reply.code(500).send({
      error: 'internal',
      message: `the server failed to handle this request; quote request id ${request.id} when reporting it`,
      requestId: request.id,
    });
  });

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: 'not_found',
      message: `no route ${request.method} ${request.url.split('?')[0]}; see /openapi.json for the API`,
      requestId: request.id,
    }),
  );

  app.get('/openapi.json', { config: { access: 'public', rateLimit: 'none' }, schema: { hide: true } }, () =>
    app.swagger(),
  );

  for (const routes of parts.routes) await app.register(routes);
  return app;
}

function decodeURIComponentSafe(url: string): string {
  try {
    return decodeURIComponent(url);
  } catch {
    return url;
  }
}

/** What to tell a client whose request met a database that could not serve it, if it did. */
function unavailableMessage(error: Error): string | undefined {
  if (isCommitInDoubt(error)) {
    return 'the database went away while saving this change, so it may or may not have been saved; retry with the same Idempotency-Key to be sure it is applied once';
  }
  if (isNoAnalyticsNode(error)) return error.message;
  if (isPrimaryUnavailable(error)) {
    return 'the database is unavailable (longer than the failover budget); retry shortly — with the same Idempotency-Key for changes';
  }
  return undefined;
}

/** Messages of Fastify's own 4xx errors, made to say what to do. */
function clientMessage(error: FastifyError): string {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return 'the request body is not valid JSON';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `the request body is larger than the limit; send at most the configured http.bodyLimitBytes`;
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'unsupported Content-Type; send application/json';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'the request has Content-Type application/json but an empty body';
    default:
      return error.message;
  }
}
