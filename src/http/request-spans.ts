import { context, defaultTextMapGetter, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Tracing } from '../observability/tracing.ts';

/**
 * Wraps the HTTP server's request listener so that each request is one SERVER span and
 * everything it does — hooks, body parsing, handler, statements, jobs it queues, log lines —
 * runs inside it. A W3C `traceparent` header makes the span a child of the caller's, sampled
 * as the caller decided. The span is named `METHOD` until `nameRequestSpan` knows the route.
 */
export function tracedRequests(tracing: Tracing, listener: RequestListener): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    const parent = tracing.propagator.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
    const method = req.method ?? 'GET';
    const span = tracing.tracer.startSpan(method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method } }, parent);
    const active = trace.setSpan(parent, span);
    // The body arrives in events of the socket, which began outside this request: bind both
    // emitters so their listeners (Fastify's body parser, its response hooks) run in the span.
    context.bind(active, req);
    context.bind(active, res);
    res.once('close', () => {
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      else if (!res.writableFinished) span.setStatus({ code: SpanStatusCode.ERROR, message: 'the client closed the connection before the answer was sent' });
      span.end();
    });
    context.with(active, () => listener(req, res));
  };
}

/**
 * Names the request's span after its route template (`GET /api/v1/extractions/:id`), never the
 * raw URL. Call it from an `onRequest` hook: hooks run inside the request's span, so it is the
 * active one.
 */
export function nameRequestSpan(method: string, route: string): void {
  const span = trace.getActiveSpan();
  span?.updateName(`${method} ${route}`);
  span?.setAttribute('http.route', route);
}
