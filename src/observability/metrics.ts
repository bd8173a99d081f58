import { createCounter, createHistogram, usePrometheus } from '@graphql-yoga/plugin-prometheus';
import type { Plugin } from 'graphql-yoga';
import type { Pool } from 'pg';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { RegisterResult } from '../domain/payments.ts';

/** Which face of the service answered: the two APIs share one domain. */
export type Face = 'graphql' | 'rest';

/** Told the result of every registration an adapter made (both faces call it). */
export type RegistrationObserver = (result: RegisterResult) => void;

/** Seconds; registrations wait for a hot case's lock, so the upper buckets matter. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Operation names come from clients: each distinct one is a new series in every scrape. Names
 * past this many (or longer than a GraphQL name needs to be) are counted as "other", so a
 * client sending a new name with every request cannot grow the metrics without bound.
 */
export const MAX_OPERATION_NAMES = 100;
const MAX_OPERATION_NAME_LENGTH = 64;

const HTTP_LABELS = ['face', 'operation', 'outcome'] as const;
const GRAPHQL_LABELS = ['operationName', 'operationType'];

/** One app's metrics. Each app has its own registry: tests build many apps in one process. */
export class AppMetrics {
  readonly registry = new Registry();
  private readonly operationNames = new Set<string>();

  readonly httpRequests = this.counter(
    'http_requests_total',
    'HTTP requests answered, by face (graphql, rest, other), operation (GraphQL operation name or REST route) and outcome (status class, or "error" for a GraphQL result holding errors).',
    HTTP_LABELS,
  );

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from a request arriving to its answer being sent, by face, operation and outcome.',
    labelNames: HTTP_LABELS,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly registrations = this.counter(
    'payment_registrations_total',
    'Payments registered, by face, payment status (completed, warning, error) and whether it was a replay of an earlier registration.',
    ['face', 'status', 'replayed'],
  );

  readonly registrationsRefused = this.counter(
    'payment_registrations_refused_total',
    'Registrations refused with nothing stored, by face and reason (invalid input, or a conflict with an earlier registration).',
    ['face', 'reason'],
  );

  constructor(pool?: Pool) {
    if (pool) this.observePool(pool);
  }

  /** A client-chosen GraphQL operation name as a label value, bounded in length and in number. */
  operationLabel(name: string | null | undefined): string {
    if (!name) return 'anonymous';
    if (name.length > MAX_OPERATION_NAME_LENGTH) return 'other';
    if (this.operationNames.has(name)) return name;
    if (this.operationNames.size >= MAX_OPERATION_NAMES) return 'other';
    this.operationNames.add(name);
    return name;
  }

  observeRequest(labels: { face: string; operation: string; outcome: string }, seconds: number): void {
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
  }

  /** Counts what a registration came to; both adapters call it with the domain's result. */
  registrationObserver(face: Face): RegistrationObserver {
    return (result) => {
      if (result.ok) {
        this.registrations.inc({ face, status: result.payment.status, replayed: String(result.replayed) });
      } else {
        const reason = result.errors.some((e) => e.code === 'CONFLICT') ? 'conflict' : 'invalid';
        this.registrationsRefused.inc({ face, reason });
      }
    };
  }

  /**
   * GraphQL's own metrics from Yoga's Prometheus plugin: operations, their duration, the time of
   * each phase and the errors in their results, by operation name (bounded like the HTTP metrics).
   * The plugin's other defaults are off: its HTTP histogram and request summary repeat
   * http_request_duration_seconds (a summary costs a sort per request), and its deprecated-field
   * counter walks every document while the schema deprecates nothing.
   */
  graphqlPlugin(): Plugin {
    const registry = this.registry;
    const operation = ({ operationName, operationType }: { operationName?: string; operationType?: string }) => ({
      operationName: this.operationLabel(operationName),
      operationType: operationType ?? 'unknown',
    });
    const histogram = <Phase extends string>(name: string, help: string, phases: [Phase, ...Phase[]]) =>
      createHistogram({ registry, histogram: { name, help, labelNames: GRAPHQL_LABELS, buckets: LATENCY_BUCKETS }, fillLabelsFn: operation, phases });
    return usePrometheus({
      registry,
      endpoint: false,
      metrics: {
        graphql_envelop_request: createCounter({
          registry,
          counter: { name: 'graphql_envelop_request', help: 'GraphQL operations executed.', labelNames: GRAPHQL_LABELS },
          fillLabelsFn: operation,
        }),
        graphql_envelop_request_duration: histogram(
          'graphql_envelop_request_duration',
          'Time to execute a GraphQL operation (parse, validate, context and execute), in seconds.',
          ['execute', 'subscribe'],
        ),
        graphql_envelop_phase_parse: histogram('graphql_envelop_phase_parse', 'Time to parse a GraphQL document, in seconds.', ['parse']),
        graphql_envelop_phase_validate: histogram('graphql_envelop_phase_validate', 'Time to validate a GraphQL document, in seconds.', ['validate']),
        graphql_envelop_phase_context: histogram('graphql_envelop_phase_context', "Time to build an operation's context (the API key's check), in seconds.", [
          'context',
        ]),
        graphql_envelop_phase_execute: histogram('graphql_envelop_phase_execute', 'Time to execute an operation, in seconds.', ['execute']),
        graphql_envelop_phase_subscribe: histogram('graphql_envelop_phase_subscribe', 'Time to start a subscription, in seconds.', ['subscribe']),
        graphql_envelop_error_result: createCounter({
          registry,
          counter: {
            name: 'graphql_envelop_error_result',
            help: 'GraphQL results holding errors, by the phase that raised them.',
            labelNames: [...GRAPHQL_LABELS, 'phase'],
          },
          fillLabelsFn: (params) => ({ ...operation(params), phase: params.errorPhase ?? 'unknown' }),
        }),
        graphql_envelop_request_time_summary: false,
        graphql_envelop_deprecated_field: false,
        graphql_envelop_schema_change: false,
        graphql_envelop_execute_resolver: false,
        graphql_yoga_http_duration: false,
      },
    }) as Plugin;
  }

  /** Prometheus text: the process' metrics (memory, CPU, event loop) and this app's. */
  async exposition(): Promise<string> {
    return `${await processRegistry().metrics()}\n${await this.registry.metrics()}`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private counter<Label extends string>(name: string, help: string, labelNames: readonly Label[]): Counter<Label> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  private observePool(pool: Pool): void {
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(read());
        },
      });
    gauge('db_pool_connections', 'PostgreSQL connections open in the pool (busy and idle).', () => pool.totalCount);
    gauge('db_pool_connections_idle', 'PostgreSQL connections open and idle.', () => pool.idleCount);
    gauge(
      'db_pool_waiting_queries',
      'Queries waiting for a free connection: above 0 for long means the pool is too small (DB_POOL_SIZE).',
      () => pool.waitingCount,
    );
    gauge('db_pool_max_connections', 'The most connections the pool opens (DB_POOL_SIZE).', () => pool.options.max ?? 10);
  }
}

// The process' metrics are collected once per process, not per app: their collectors watch GC
// and the event loop for the whole process.
let processMetrics: Registry | undefined;
function processRegistry(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics });
  }
  return processMetrics;
}
