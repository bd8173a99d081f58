/**
 * A small typed client for services that register and read payments over GraphQL. It needs only
 * the platform's fetch; every operation is a typed document (documents.ts).
 *
 *   const client = createPaymentsClient({ url: 'https://payments.example/graphql', apiKey });
 *   const result = await client.registerPayment(input, { idempotencyKey: crypto.randomUUID() });
 *   if (!result.ok) for (const e of result.userErrors) console.log(e.field, e.code, e.message);
 *   for await (const payment of client.payments({ filter: { case: caseId } })) ...
 */
import {
  type Payment,
  type PaymentFilter,
  PaymentsDocument,
  RegisterPaymentDocument,
  type RegisterPaymentInput,
  type TypedDocument,
  type UserError,
} from './documents.ts';

export * from './documents.ts';

export interface PaymentsClientOptions {
  /** The GraphQL endpoint, e.g. https://payments.example/graphql. */
  url: string;
  apiKey: string;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
}

/** A failure of the request itself (bad key, a limit, a server error): not a user error of the input. */
export class PaymentsRequestError extends Error {
  constructor(
    readonly status: number,
    readonly errors: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }>,
  ) {
    super(`GraphQL request failed (HTTP ${status}): ${errors.map((e) => e.message).join('; ') || 'no details'}`);
    this.name = 'PaymentsRequestError';
  }

  /** The error code the server gave, e.g. UNAUTHENTICATED or OUTCOME_UNKNOWN (safe to resend with the same key). */
  get code(): string | undefined {
    return this.errors[0]?.extensions?.code as string | undefined;
  }
}

export type RegisterPaymentResult = { ok: true; payment: Payment; replayed: boolean } | { ok: false; userErrors: UserError[] };

/** Largest page the service serves. */
const MAX_PAGE_SIZE = 100;

export function createPaymentsClient(options: PaymentsClientOptions) {
  const send = options.fetch ?? fetch;

  async function request<TResult, TVariables>(
    document: TypedDocument<TResult, TVariables>,
    variables: TVariables,
    headers: Record<string, string> = {},
  ): Promise<TResult> {
    const response = await send(options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', 'x-api-key': options.apiKey, ...headers },
      body: JSON.stringify({ query: document.source, variables }),
    });
    const text = await response.text();
    let body: { data?: TResult | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
    try {
      body = JSON.parse(text);
    } catch {
      throw new PaymentsRequestError(response.status, [{ message: text.slice(0, 200) }]);
    }
    if (body.errors?.length || !body.data) throw new PaymentsRequestError(response.status, body.errors ?? []);
    return body.data;
  }

  return {
    request,

    /**
     * Registers a payment. Send an idempotency key (or a creditorPaymentReference) so a retry after
     * a timeout or OUTCOME_UNKNOWN returns the stored payment (`replayed: true`) instead of a second one.
     */
    async registerPayment(input: RegisterPaymentInput, { idempotencyKey }: { idempotencyKey?: string } = {}): Promise<RegisterPaymentResult> {
      const { registerPayment } = await request(RegisterPaymentDocument, { input }, idempotencyKey ? { 'idempotency-key': idempotencyKey } : {});
      if (registerPayment.payment && registerPayment.userErrors.length === 0) {
        return { ok: true, payment: registerPayment.payment, replayed: registerPayment.replayed };
      }
      return { ok: false, userErrors: registerPayment.userErrors };
    },

    /** One page of payments, newest first; pass the last page's endCursor as `after` for the next. */
    async paymentsPage({ first = MAX_PAGE_SIZE, after = null, filter = null }: { first?: number; after?: string | null; filter?: PaymentFilter | null } = {}) {
      const { payments } = await request(PaymentsDocument, { first, after, filter });
      return { totalCount: payments.totalCount, payments: payments.edges.map((edge) => edge.node), ...payments.pageInfo };
    },

    /** Every payment matching the filter, newest first, fetched a page at a time as it is iterated. */
    async *payments({ filter = null, pageSize = MAX_PAGE_SIZE }: { filter?: PaymentFilter | null; pageSize?: number } = {}): AsyncGenerator<Payment> {
      let after: string | null = null;
      for (;;) {
        const page = await this.paymentsPage({ first: pageSize, after, filter });
        yield* page.payments;
        if (!page.hasNextPage || !page.endCursor) return;
        after = page.endCursor;
      }
    },
  };
}

export type PaymentsClient = ReturnType<typeof createPaymentsClient>;
