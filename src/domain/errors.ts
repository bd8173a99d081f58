/** The kinds of expected failure a client can act on; the GraphQL UserErrorCode enum. */
export const USER_ERROR_CODES = ['REQUIRED', 'INVALID', 'NOT_FOUND', 'CONFLICT', 'READ_ONLY', 'UNSUPPORTED'] as const;
export type UserErrorCode = (typeof USER_ERROR_CODES)[number];

/** An expected failure tied to one input field (by its domain name, e.g. "bankTransactionDate"). */
export interface FieldError {
  field: string;
  message: string;
  code: UserErrorCode;
}

/** Bad arguments to a read (a filter, a cursor, a page size): the adapters turn it into their own error. */
export class InvalidArgumentError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The database connection was lost while a registration was committing, and the payment could
 * not be found afterwards: it may yet be stored or not. The adapters answer 503 with this message,
 * which tells the client how to find out safely.
 */
export class OutcomeUnknownError extends Error {
  constructor(
    /** What identifies the registration when it is sent again; null when nothing does. */
    readonly identifiedBy: 'creditorPaymentReference' | 'idempotencyKey' | null,
    options?: ErrorOptions,
  ) {
    super(outcomeUnknownMessage(identifiedBy), options);
  }
}

function outcomeUnknownMessage(identifiedBy: OutcomeUnknownError['identifiedBy']): string {
  const what = 'The connection to the database was lost while the payment was being stored: whether it was stored is unknown.';
  if (identifiedBy === null) {
    return `${what} The registration carried neither a creditorPaymentReference nor an Idempotency-Key, so sending it again could store it twice: look it up among the case's payments first, and send registrations with one of them.`;
  }
  const name = identifiedBy === 'idempotencyKey' ? 'Idempotency-Key' : 'creditorPaymentReference';
  return `${what} Sending it again with the same ${name} is safe: if the first one was stored, the stored payment is returned as a replay and nothing is stored twice.`;
}
