import { context, type TextMapPropagator, type Tracer, type TracerProvider as ApiTracerProvider } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type SpanExporter,
} from '@opentelemetry/sdk-trace';
import type { Config } from '../config/schema.ts';
import type { Logger } from './logger.ts';

/** One instance's tracing: its own provider, sampler and exporter. */
export interface Tracing {
  /** The tracer every span of this instance is started with. */
  readonly tracer: Tracer;
  /** The provider behind `tracer`, for libraries that take one (pg-boss). */
  readonly provider: ApiTracerProvider;
  /** W3C trace context (`traceparent`), for requests and job rows. */
  readonly propagator: TextMapPropagator;
  /** Exports every span ended so far (tests; nothing to do without an endpoint). */
  forceFlush(): Promise<void>;
  /** Exports what is left and stops exporting. */
  shutdown(): Promise<void>;
}

const EXPORT_TIMEOUT_MS = 10_000;

/**
 * Starts an instance's tracing. Sampling is ParentBased(TraceIdRatioBased(sampleRatio)): a new
 * trace is kept with probability `sampleRatio`, and a span with a parent (a `traceparent` header,
 * a job queued by a request) follows its parent's decision, so a trace is whole or absent.
 * Sampled spans go to `otlpEndpoint` over OTLP/HTTP (JSON) in batches. Without an endpoint no span
 * is sampled (AlwaysOff): nothing would receive it, and an unsampled span records nothing, so
 * statements and commands make no spans at all (`dependencySpan`). Every span still has ids, so
 * log lines carry `trace_id`/`span_id` either way.
 *
 * The provider is not registered globally: each instance (and each test app in one process)
 * has its own provider, sampler and exporter, reached through `AppContext.tracing`. Only the
 * context manager is process-wide — it is what makes the active span follow async work, it
 * holds no per-instance state, and the API keeps one per process.
 */
export function startTracing(settings: Config['tracing'], instance: Config['instance'], log: Logger): Tracing {
  registerContextManager();
  const exporter = settings.otlpEndpoint
    ? reportFailures(new OTLPTraceExporter({ url: settings.otlpEndpoint, timeoutMillis: EXPORT_TIMEOUT_MS }), settings.otlpEndpoint, log)
    : undefined;
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': settings.serviceName,
      'service.instance.id': instance.name,
      'cloud.availability_zone': instance.zone,
    }),
    sampler: exporter ? new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.sampleRatio) }) : new AlwaysOffSampler(),
    spanProcessors: exporter ? [new BatchSpanProcessor({ exporter, exportTimeoutMillis: EXPORT_TIMEOUT_MS })] : [],
  });
  return {
    tracer: provider.getTracer('jivs-platform'),
    provider,
    propagator: new W3CTraceContextPropagator(),
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

let contextManagerRegistered = false;

/** The AsyncLocalStorage context manager, once per process (idempotent). */
function registerContextManager(): void {
  if (contextManagerRegistered) return;
  contextManagerRegistered = context.setGlobalContextManager(new AsyncLocalStorageContextManager());
}

/**
 * The exporter, logging when exports start failing (collector down, wrong endpoint) and when they
 * work again — one line per change, not one per batch.
 */
function reportFailures(exporter: SpanExporter, endpoint: string, log: Logger): SpanExporter {
  let failing = false;
  return {
    export(spans, done) {
      exporter.export(spans, (result) => {
        const failed = result.code !== ExportResultCode.SUCCESS;
        if (failed && !failing) {
          log.warn({ endpoint, error: result.error?.message }, 'cannot export spans to the OTLP endpoint; traces are lost until it answers');
        } else if (!failed && failing) {
          log.info({ endpoint }, 'exporting spans to the OTLP endpoint again');
        }
        failing = failed;
        done(result);
      });
    },
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
    shutdown: () => exporter.shutdown(),
  };
}
