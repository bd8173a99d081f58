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
