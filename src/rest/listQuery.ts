import type { Prisma } from '../db/client.ts';
import type { CaseFilter } from '../domain/cases.ts';
import { parseDate } from '../domain/dates.ts';
import type { PaymentFilter } from '../domain/payments.ts';
import { CASE_STATES, DEFAULT_PAGE_SIZE, isCaseState, isPaymentStatus, MAX_PAGE_SIZE, PAYMENT_STATUS, PAYMENT_STATUSES } from '../domain/vocabulary.ts';
import type { CarriedQuery } from './envelope.ts';

/** A list query the client must fix: answered 400 with this message. */
export class BadQueryError extends Error {}

/** Deep pages are not a use of this API; the bound also keeps the offset well inside a 32-bit integer. */
export const MAX_PAGE = 1_000_000;

export interface ListQuery<Filter, Order> {
  page: number;
  maxResults: number;
  filter: Filter;
  orderBy: Order[];
  /** What the list's `_links` carry over. */
  carried: CarriedQuery;
}

/** How one resource is listed: its `where` fields and its sortable fields. */
export interface ListSpec<Filter, Order> {
  whereFields: Record<string, (filter: Filter, value: unknown) => void>;
  sortFields: Record<string, (direction: 'asc' | 'desc') => Order>;
  defaultSort: string;
}

export function parseListQuery<Filter extends object, Order>(spec: ListSpec<Filter, Order>, query: Record<string, unknown>): ListQuery<Filter, Order> {
  const page = positiveInteger(query, 'page') ?? 1;
  if (page > MAX_PAGE) throw new BadQueryError(`page must be at most ${MAX_PAGE}`);
  const askedSize = positiveInteger(query, 'max_results');
  const maxResults = Math.min(askedSize ?? DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  const where = single(query, 'where');
  const sort = single(query, 'sort');
  return {
    page,
    maxResults,
    filter: where === undefined ? ({} as Filter) : parseWhere(spec, where),
    orderBy: parseSort(spec, sort ?? spec.defaultSort),
    carried: {
      ...(where !== undefined ? { where } : {}),
      ...(sort !== undefined ? { sort } : {}),
      ...(askedSize !== undefined ? { max_results: maxResults } : {}),
    },
  };
}

function single(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new BadQueryError(`${name} must be given once`);
  return value;
}

function positiveInteger(query: Record<string, unknown>, name: string): number | undefined {
  const text = single(query, name);
  if (text === undefined) return undefined;
  if (!/^\d{1,9}$/.test(text) || Number(text) < 1) throw new BadQueryError(`${name} must be a positive integer, got "${text}"`);
  return Number(text);
}

const WHERE_EXAMPLE = `{"status": "${PAYMENT_STATUS.completed}"}`;

function parseWhere<Filter extends object, Order>(spec: ListSpec<Filter, Order>, text: string): Filter {
  let where: unknown;
  try {
    where = JSON.parse(text);
  } catch {
    throw new BadQueryError(`where must be a JSON object, like ${WHERE_EXAMPLE}; could not parse ${JSON.stringify(text)}`);
  }
  if (typeof where !== 'object' || where === null || Array.isArray(where)) {
    throw new BadQueryError(`where must be a JSON object, like ${WHERE_EXAMPLE}`);
  }
  const filter = {} as Filter;
  for (const [field, value] of Object.entries(where)) {
    const apply = Object.hasOwn(spec.whereFields, field) ? spec.whereFields[field] : undefined;
    if (!apply) {
      const known = Object.keys(spec.whereFields).join(', ');
      throw new BadQueryError(`where: unknown field "${field}"; the fields are ${known}`);
    }
    apply(filter, value);
  }
  return filter;
}

function parseSort<Filter, Order>(spec: ListSpec<Filter, Order>, text: string): Order[] {
  const seen = new Set<string>();
  return text.split(',').map((part) => {
    const term = part.trim();
    const descending = term.startsWith('-');
    const field = descending ? term.slice(1) : term;
    const order = Object.hasOwn(spec.sortFields, field) ? spec.sortFields[field] : undefined;
    if (!order) {
      const known = Object.keys(spec.sortFields).join(', ');
      throw new BadQueryError(`sort: cannot sort on "${field}"; the sortable fields are ${known} (prefix - for descending)`);
    }
    if (seen.has(field)) throw new BadQueryError(`sort: "${field}" is given twice`);
    seen.add(field);
    return order(descending ? 'desc' : 'asc');
  });
}

// --- the conditions a `where` value may hold ---

function text(field: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new BadQueryError(`where: ${field} must be a non-empty string`);
  return value;
}

function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[], accepts: (v: string) => v is T): T {
  if (typeof value !== 'string' || !accepts(value)) throw new BadQueryError(`where: ${field} must be one of ${allowed.join(', ')}`);
  return value;
}

function dateValue(field: string, value: unknown): Date {
  const date = parseDate(value);
  if (!date) throw new BadQueryError(`where: ${field} must be an RFC 1123 or ISO 8601 date`);
  return date;
}

/** A date: equal to one instant, or a range with the operators $gte and $lte (both inclusive). */
function dateRange(field: string, value: unknown): { from: Date; to: Date } | { from?: Date; to?: Date } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const date = dateValue(field, value);
    return { from: date, to: date };
  }
  const range: { from?: Date; to?: Date } = {};
  const entries = Object.entries(value);
  if (entries.length === 0) throw new BadQueryError(`where: ${field} needs $gte or $lte`);
  for (const [operator, operand] of entries) {
    if (operator === '$gte') range.from = dateValue(`${field}.$gte`, operand);
    else if (operator === '$lte') range.to = dateValue(`${field}.$lte`, operand);
    else throw new BadQueryError(`where: unknown operator "${operator}" on ${field}; use $gte or $lte`);
  }
  return range;
}

const orderOn =
  <K extends string>(key: K) =>
  (direction: 'asc' | 'desc') =>
    ({ [key]: direction }) as Record<K, 'asc' | 'desc'>;

export const PAYMENT_LIST: ListSpec<PaymentFilter, Prisma.PaymentOrderByWithRelationInput> = {
  whereFields: {
    creditor: (f, v) => {
      f.creditorId = text('creditor', v);
    },
    case: (f, v) => {
      f.caseId = text('case', v);
    },
    status: (f, v) => {
      f.status = oneOf('status', v, PAYMENT_STATUSES, isPaymentStatus);
    },
    creditor_payment_reference: (f, v) => {
      f.creditorPaymentReference = text('creditor_payment_reference', v);
    },
    bank_transaction_date: (f, v) => {
      const range = dateRange('bank_transaction_date', v);
      f.bankTransactionDateFrom = range.from ?? null;
      f.bankTransactionDateTo = range.to ?? null;
    },
  },
  sortFields: {
    _created: orderOn('createdAt'),
    _updated: orderOn('updatedAt'),
    bank_transaction_date: orderOn('bankTransactionDate'),
    amount: orderOn('amount'),
  },
  defaultSort: '-_created',
};

export const CASE_LIST: ListSpec<CaseFilter, Prisma.CaseOrderByWithRelationInput> = {
  whereFields: {
    creditor: (f, v) => {
      f.creditorId = text('creditor', v);
    },
    state: (f, v) => {
      f.state = oneOf('state', v, CASE_STATES, isCaseState);
    },
    invoice_number: (f, v) => {
      f.invoiceNumber = text('invoice_number', v);
    },
  },
  sortFields: {
    _created: orderOn('createdAt'),
    _updated: orderOn('updatedAt'),
  },
  defaultSort: '-_created',
};
