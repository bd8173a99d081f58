/** The kinds of expected failure a client can act on; the GraphQL UserErrorCode enum. */
export const USER_ERROR_CODES = ['REQUIRED', 'INVALID', 'NOT_FOUND', 'CONFLICT', 'READ_ONLY', 'UNSUPPORTED'] as const;
export type UserErrorCode = (typeof USER_ERROR_CODES)[number];

/** An expected failure tied to one input field (by its domain name, e.g. "bankTransactionDate"). */
export interface FieldError {
  field: string;
  /** The fields it names are left open: each face writes them under its own names (fieldMessage). */
  message: FieldMessage;
  code: UserErrorCode;
}

/** A field a message names, by its domain name. */
export interface NamedField {
  readonly field: string;
}

/** Text, and the fields it names; a client's own text is only ever text here. */
export type FieldMessage = ReadonlyArray<string | NamedField>;

/** `${named('amount')} must be greater than 0`: a message whose field names each face fills in. */
export function named(field: string): NamedField {
  return { field };
}

export function message(strings: TemplateStringsArray, ...values: ReadonlyArray<string | number | NamedField>): FieldMessage {
  const parts: Array<string | NamedField> = [strings[0]!];
  values.forEach((value, i) => {
    parts.push(typeof value === 'object' ? value : String(value), strings[i + 1]!);
  });
  return parts.filter((part) => part !== '');
}

/**
 * The message with each field under the name `nameOf` gives it; names are cut like an
 * unknown key (a megabyte-long key is not sent back whole).
 */
export function fieldMessage(text: FieldMessage, nameOf: (field: string) => string): string {
  return text.map((part) => (typeof part === 'string' ? part : shortName(nameOf(part.field)))).join('');
}

/** An unknown key is repeated in messages up to this length. */
const MAX_ECHOED_NAME = 64;

/** A field's name as a message or an answer repeats it: cut, so a long unknown key is not sent back twice. */
export function shortName(name: string): string {
  return name.length > MAX_ECHOED_NAME ? `${name.slice(0, MAX_ECHOED_NAME)}...` : name;
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
