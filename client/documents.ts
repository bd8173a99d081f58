import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';

/**
 * The operations the client sends, each typed with its result and variables. The types follow
 * schema.graphql (test/client/paymentsClient.test.ts validates every document against it, so a
 * renamed or removed field fails CI). Money is a decimal string ("100.00"), dates ISO 8601 strings.
 */
export class TypedDocument<TResult, TVariables> implements DocumentTypeDecoration<TResult, TVariables> {
  declare __apiType?: (variables: TVariables) => TResult;
  constructor(readonly source: string) {}
}

export type Currency = 'SEK';
export type PaymentStatus = 'COMPLETED' | 'WARNING' | 'ERROR';
export type CaseState = 'OPEN' | 'PAID' | 'CLOSED';
export type UserErrorCode = 'CONFLICT' | 'INVALID' | 'NOT_FOUND' | 'READ_ONLY' | 'REQUIRED' | 'UNSUPPORTED';

export interface UserError {
  /** Path to the input field, e.g. ["input", "amount"]; ["Idempotency-Key"] for the header. */
  field: string[] | null;
  message: string;
  code: UserErrorCode;
}

export interface Payment {
  id: string;
  amount: string;
  settledAmount: string;
  currency: Currency;
  status: PaymentStatus;
  statusReasonLocale: string | null;
  bankTransactionDate: string;
  bookingDate: string | null;
  creditorPaymentReference: string | null;
  createdAt: string;
  creditor: { id: string };
  case: { id: string; state: CaseState; remainingTotal: string };
}

export interface RegisterPaymentInput {
  creditor: string;
  /** The case; or give invoiceNumber instead. */
  case?: string;
  invoiceNumber?: string;
  currency: Currency;
  /** Decimal string with at most 2 decimals, e.g. "100.00". */
  amount: string;
  /** ISO 8601 or RFC 1123; not in the future. */
  bankTransactionDate: string;
  clientRegistrationDate?: string;
  creditorPaymentReference?: string;
  origin: string;
}

export interface PaymentFilter {
  creditor?: string;
  case?: string;
  status?: PaymentStatus;
  bankTransactionDateFrom?: string;
  bankTransactionDateTo?: string;
  creditorPaymentReference?: string;
}

const PAYMENT_FIELDS = `
  id amount settledAmount currency status statusReasonLocale bankTransactionDate bookingDate
  creditorPaymentReference createdAt creditor { id } case { id state remainingTotal }
`;

export const RegisterPaymentDocument = new TypedDocument<
  { registerPayment: { payment: Payment | null; replayed: boolean; userErrors: UserError[] } },
  { input: RegisterPaymentInput }
>(`mutation RegisterPayment($input: RegisterPaymentInput!) {
  registerPayment(input: $input) { replayed userErrors { field message code } payment { ${PAYMENT_FIELDS} } }
}`);

export const PaymentsDocument = new TypedDocument<
  {
    payments: {
      totalCount: number;
      edges: Array<{ cursor: string; node: Payment }>;
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
  },
  { first: number; after?: string | null; filter?: PaymentFilter | null }
>(`query Payments($first: Int!, $after: String, $filter: PaymentFilter) {
  payments(first: $first, after: $after, filter: $filter) {
    totalCount
    edges { cursor node { ${PAYMENT_FIELDS} } }
    pageInfo { hasNextPage endCursor }
  }
}`);

/** Every document, for the test that validates them against schema.graphql. */
export const DOCUMENTS = [RegisterPaymentDocument, PaymentsDocument] as const;
