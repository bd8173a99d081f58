import { setCurrentOtelContext, useOpenTelemetry } from '@envelop/opentelemetry';
import { type Context, defaultTextMapGetter, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-node';
import type { Plugin } from 'graphql-yoga';

export interface TracingConfig {
  /** OTLP/HTTP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT); traces go to its /v1/traces. Unset: tracing is off. */
  otlpEndpoint?: string;
  /** service.name on every span (OTEL_SERVICE_NAME). */
  serviceName?: string;
  /** Spans go here instead of OTLP, each as soon as it ends (tests read them from memory). */
  exporter?: SpanExporter;
}

const DEFAULT_SERVICE_NAME = 'creditor-payments';

/**
 * One app's tracer. The provider is not registered globally: each app (tests build many in one
 * process) has its own, and nothing else in the process is patched.
 */
export class Tracing {
  private readonly provider: NodeTracerProvider;
  private readonly tracer: Tracer;
  private readonly propagator = new W3CTraceContextPropagator();

  constructor(config: TracingConfig & ({ otlpEndpoint: string } | { exporter: SpanExporter })) {
    const processor = config.exporter
      ? new SimpleSpanProcessor(config.exporter)
      : new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl(config.otlpEndpoint as string) }));
    this.provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': config.serviceName || DEFAULT_SERVICE_NAME }),
      spanProcessors: [processor],
    });
    this.tracer = this.provider.getTracer('creditor-payments');
  }

  /** The server span of one HTTP request, child of the caller's span when it sends `traceparent`. */
  startRequest(method: string, path: string, headers: Record<string, string | string[] | undefined>): Span {
    const parent = this.propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    return this.tracer.startSpan(method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.path': path } }, parent);
  }

  /** Names the span after its route (`GET /cases/:id`) and records the answer. */
  endRequest(span: Span, method: string, route: string | undefined, status: number, operationName?: string): void {
    if (route) span.updateName(`${method} ${route}`);
    if (route) span.setAttribute('http.route', route);
    if (operationName) span.setAttribute('graphql.operation.name', operationName);
    span.setAttribute('http.response.status_code', status);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  }

  /**
   * Envelop's OpenTelemetry plugin: one span per GraphQL operation (`query.RecentPayments`),
   * under the HTTP request's span. Resolvers are not traced: a span per field costs a lot of
   * throughput on a 100-row list, and the operation's span shows what a request spent.
   */
  graphqlPlugin(parentOf: (context: unknown) => Span | undefined): Plugin[] {
    const linkToRequest: Plugin = {
      onExecute({ args }) {
        const span = parentOf(args.contextValue);
        if (span) setCurrentOtelContext(args.contextValue, trace.setSpan(ROOT_CONTEXT, span) as Context);
      },
    };
    return [linkToRequest, useOpenTelemetry({ resolvers: false, variables: false, result: false }, this.provider) as Plugin];
  }

  /** Sends the spans still buffered; called when the app closes. */
  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }
}

/** Tracing when an exporter is configured; otherwise null, and nothing is installed. */
export function createTracing(config: TracingConfig | undefined): Tracing | null {
  if (config?.exporter) return new Tracing({ ...config, exporter: config.exporter });
  if (config?.otlpEndpoint) return new Tracing({ ...config, otlpEndpoint: config.otlpEndpoint });
  return null;
}

/** OTEL_EXPORTER_OTLP_ENDPOINT is the collector's base URL; the traces signal has its own path. */
function tracesUrl(endpoint: string): string {
  return new URL('v1/traces', endpoint.endsWith('/') ? endpoint : `${endpoint}/`).toString();
}
