import type { Context, Span, Tracer } from '@opentelemetry/api';
import type { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { NodeTracerProvider, SpanExporter } from '@opentelemetry/sdk-trace-node';
import type { Plugin } from 'graphql-yoga';

/**
 * The OpenTelemetry packages, loaded only when tracing is on: a process without it would
 * otherwise hold them for nothing (some 6 MB of its memory).
 */
async function loadSdk() {
  const [envelop, api, core, exporter, resources, node] = await Promise.all([
    import('@envelop/opentelemetry'),
    import('@opentelemetry/api'),
    import('@opentelemetry/core'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-node'),
  ]);
  return { envelop, api, core, exporter, resources, node };
}
type Sdk = Awaited<ReturnType<typeof loadSdk>>;

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
  private readonly propagator: W3CTraceContextPropagator;

  constructor(
    private readonly sdk: Sdk,
    config: TracingConfig & ({ otlpEndpoint: string } | { exporter: SpanExporter }),
  ) {
    const { node } = sdk;
    const processor = config.exporter
      ? new node.SimpleSpanProcessor(config.exporter)
      : new node.BatchSpanProcessor(new sdk.exporter.OTLPTraceExporter({ url: tracesUrl(config.otlpEndpoint as string) }));
    this.provider = new node.NodeTracerProvider({
      resource: sdk.resources.resourceFromAttributes({ 'service.name': config.serviceName || DEFAULT_SERVICE_NAME }),
      spanProcessors: [processor],
    });
    this.tracer = this.provider.getTracer('creditor-payments');
    this.propagator = new sdk.core.W3CTraceContextPropagator();
  }

  /** The server span of one HTTP request, child of the caller's span when it sends `traceparent`. */
  startRequest(method: string, path: string, headers: Record<string, string | string[] | undefined>): Span {
    const { ROOT_CONTEXT, SpanKind, defaultTextMapGetter } = this.sdk.api;
    const parent = this.propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    return this.tracer.startSpan(method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.path': path } }, parent);
  }

  /** Names the span after its route (`GET /cases/:id`) and records the answer. */
  endRequest(span: Span, method: string, route: string | undefined, status: number, operationName?: string): void {
    if (route) span.updateName(`${method} ${route}`);
    if (route) span.setAttribute('http.route', route);
    if (operationName) span.setAttribute('graphql.operation.name', operationName);
    span.setAttribute('http.response.status_code', status);
    if (status >= 500) span.setStatus({ code: this.sdk.api.SpanStatusCode.ERROR });
    span.end();
  }

  /**
   * Envelop's OpenTelemetry plugin: one span per GraphQL operation (`query.RecentPayments`),
   * under the HTTP request's span. Resolvers are not traced: a span per field costs a lot of
   * throughput on a 100-row list, and the operation's span shows what a request spent.
   */
  graphqlPlugin(parentOf: (context: unknown) => Span | undefined): Plugin[] {
    const { api, envelop } = this.sdk;
    const linkToRequest: Plugin = {
      onExecute({ args }) {
        const span = parentOf(args.contextValue);
        if (span) envelop.setCurrentOtelContext(args.contextValue, api.trace.setSpan(api.ROOT_CONTEXT, span) as Context);
      },
    };
    return [linkToRequest, envelop.useOpenTelemetry({ resolvers: false, variables: false, result: false }, this.provider) as Plugin];
  }

  /** Sends the spans still buffered; called when the app closes. */
  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }
}

/** Tracing when an exporter is configured; otherwise null, and nothing is installed. */
export async function createTracing(config: TracingConfig | undefined): Promise<Tracing | null> {
  if (config?.exporter) return new Tracing(await loadSdk(), { ...config, exporter: config.exporter });
  if (config?.otlpEndpoint) return new Tracing(await loadSdk(), { ...config, otlpEndpoint: config.otlpEndpoint });
  return null;
}

/** OTEL_EXPORTER_OTLP_ENDPOINT is the collector's base URL; the traces signal has its own path. */
function tracesUrl(endpoint: string): string {
  return new URL('v1/traces', endpoint.endsWith('/') ? endpoint : `${endpoint}/`).toString();
}
