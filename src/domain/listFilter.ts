import type { Prisma } from '../db/client.ts';
import { readDate } from './dates.ts';
import { parseAmount } from './money.ts';
import { isStorableText } from './text.ts';
import { CASE_STATES, CURRENCIES, MAX_FILTER_DEPTH, MAX_FILTER_TERMS, MAX_FILTER_VALUES, MAX_PAYMENT, PAYMENT_STATUSES, STATUS_REASONS } from './vocabulary.ts';

/**
 * The filter of a numbered list (REST's `where`): conditions on a resource's fields, combined
 * with `all` (and) and `any` (or). The domain checks each value by its field's kind and turns
 * the expression into a query that always stays inside the caller's account.
 */
export type FilterOperator = 'eq' | 'ne' | 'in' | 'nin' | 'gt' | 'gte' | 'lt' | 'lte';

export type FilterValue = string | bigint | Date | null;

export type FilterExpression =
  | { all: FilterExpression[] }
  | { any: FilterExpression[] }
  | { field: string; operator: FilterOperator; value: FilterValue | FilterValue[] };

/** What a field holds, which decides the values a condition on it accepts. */
export type FieldKind = { type: 'id' } | { type: 'text' } | { type: 'money' } | { type: 'date' } | { type: 'enum'; values: readonly string[] };

export interface FilterableField {
  kind: FieldKind;
  /** The model's column; a field of a related record is `relation.column`. */
  column: string;
  relation?: string;
  /** Null is a value of this field: `eq null` finds it, `ne`/`nin` include it (as Eve's Mongo does). */
  nullable?: boolean;
  /** Lists may be ordered on it. */
  sortable?: boolean;
}

const ID = { type: 'id' } as const;
const TEXT = { type: 'text' } as const;
const MONEY = { type: 'money' } as const;
const DATE = { type: 'date' } as const;
const oneOf = (values: readonly string[]): FieldKind => ({ type: 'enum', values });

/** A field as declared below: its column is the field's own name unless it says otherwise. */
type DeclaredField = Omit<FilterableField, 'column'> & { column?: string };

/** The fields with their columns filled in. */
function filterable<Fields extends Record<string, DeclaredField>>(fields: Fields): { readonly [Name in keyof Fields]: FilterableField } {
  return Object.fromEntries(Object.entries(fields).map(([name, field]) => [name, { column: name, ...field }])) as { [Name in keyof Fields]: FilterableField };
}

/** What every listed record has: its id and when it was made and last changed. */
const RECORD_FIELDS = { id: { kind: ID }, createdAt: { kind: DATE, sortable: true }, updatedAt: { kind: DATE, sortable: true } } as const;

/** A payment's filterable fields, by domain name. */
export const PAYMENT_FILTER_FIELDS = filterable({
  ...RECORD_FIELDS,
  accountId: { kind: ID },
  creditorId: { kind: ID },
  caseId: { kind: ID },
  currency: { kind: oneOf(CURRENCIES) },
  amount: { kind: MONEY, sortable: true },
  settledCosts: { kind: MONEY },
  settledInterest: { kind: MONEY },
  settledCapital: { kind: MONEY },
  status: { kind: oneOf(PAYMENT_STATUSES) },
  statusReasonLocale: { kind: oneOf(STATUS_REASONS), nullable: true },
  bankTransactionDate: { kind: DATE, sortable: true },
  clientRegistrationDate: { kind: DATE },
  bookingDate: { kind: DATE, nullable: true },
  creditorPaymentReference: { kind: TEXT, nullable: true },
  invoiceNumber: { kind: TEXT, nullable: true },
  origin: { kind: TEXT },
  fileImportReport: { kind: TEXT, nullable: true },
  caseInvoiceNumber: { kind: TEXT, column: 'invoiceNumber', relation: 'case' },
  caseReferenceNumber: { kind: TEXT, column: 'referenceNumber', relation: 'case' },
});

/** A case's filterable fields, by domain name. */
export const CASE_FILTER_FIELDS = filterable({
  ...RECORD_FIELDS,
  creditorId: { kind: ID },
  invoiceNumber: { kind: TEXT },
  referenceNumber: { kind: TEXT },
  currency: { kind: oneOf(CURRENCIES) },
  state: { kind: oneOf(CASE_STATES) },
  remainingCosts: { kind: MONEY },
  remainingInterest: { kind: MONEY },
  remainingCapital: { kind: MONEY },
});

/** What a value must be, for the message of a refused one. */
export function kindDescription(kind: FieldKind): string {
  switch (kind.type) {
    case 'id':
    case 'text':
      return 'a non-empty string';
    case 'money':
      return `an amount of at most 2 decimals, from 0 to ${MAX_PAYMENT / 100n}`;
    case 'date':
      return 'an RFC 1123 or ISO 8601 date';
    case 'enum':
      return `one of ${kind.values.join(', ')}`;
  }
}

/**
 * A condition's value checked by its field's kind; null when it is not one. As an upper bound
 * (`lte`) or a strict lower one (`gt`), a plain date ("2025-07-04") stands for the end of that
 * day, so the whole day is on the side the client meant.
 */
export function readFilterValue(field: FilterableField, operator: FilterOperator, value: unknown): FilterValue | undefined {
  if (value === null) return field.nullable && (operator === 'eq' || operator === 'ne') ? null : undefined;
  switch (field.kind.type) {
    case 'id':
    case 'text':
      return typeof value === 'string' && value !== '' ? value : undefined;
    case 'enum':
      return typeof value === 'string' && field.kind.values.includes(value) ? value : undefined;
    case 'money': {
      const amount = parseAmount(value, { allowZero: true });
      return 'ore' in amount ? amount.ore : undefined;
    }
    case 'date': {
      const parsed = readDate(value);
      if (!parsed) return undefined;
      if (parsed.wholeDay && (operator === 'lte' || operator === 'gt')) return new Date(parsed.date.getTime() + 24 * 60 * 60 * 1000 - 1);
      return parsed.date;
    }
  }
}

/** A filter the domain will not run (too large, or a range on text no row can hold): the client's error. */
export class RefusedFilterError extends Error {}

/** Refuses a filter nested deeper or holding more conditions than the limits allow. */
export function checkFilterSize(expression: FilterExpression): void {
  let terms = 0;
  const visit = (e: FilterExpression, depth: number) => {
    if ('all' in e || 'any' in e) {
      if (depth > MAX_FILTER_DEPTH) throw new RefusedFilterError(`and/or may nest at most ${MAX_FILTER_DEPTH} deep`);
      for (const inner of 'all' in e ? e.all : e.any) visit(inner, depth + 1);
      return;
    }
    terms += 1;
    if (terms > MAX_FILTER_TERMS) throw new RefusedFilterError(`at most ${MAX_FILTER_TERMS} conditions are allowed`);
    if (Array.isArray(e.value) && e.value.length > MAX_FILTER_VALUES)
      throw new RefusedFilterError(`a list of values may hold at most ${MAX_FILTER_VALUES} values`);
  };
  visit(expression, 0);
}

type Where = Record<string, unknown>;
const NOTHING: Where = { id: { in: [] } };

/** Text the database cannot hold equals no stored value (and Postgres would fail on a NUL). */
const storable = (value: FilterValue) => typeof value !== 'string' || isStorableText(value);

function condition(field: FilterableField, operator: FilterOperator, value: FilterValue | FilterValue[]): Where {
  const on = (test: unknown): Where => {
    const inner = { [field.column]: test };
    return field.relation ? { [field.relation]: { is: inner } } : inner;
  };
  const orNull = (where: Where): Where => (field.nullable ? { OR: [where, on(null)] } : where);
  if (Array.isArray(value)) {
    const values = value.filter(storable);
    return operator === 'in' ? on({ in: values }) : orNull(on({ notIn: values }));
  }
  if (!storable(value)) {
    if (operator === 'eq') return NOTHING;
    if (operator === 'ne') return {};
    // A range against text the database cannot hold has no sensible answer.
    throw new RefusedFilterError('text values must not hold NUL or unpaired surrogates');
  }
  switch (operator) {
    case 'eq':
      return on(value);
    case 'ne':
      return value === null ? { NOT: on(null) } : orNull(on({ not: value }));
    default:
      return on({ [operator]: value });
  }
}

function compile(fields: Record<string, FilterableField>, expression: FilterExpression): Where {
  if ('all' in expression) return { AND: expression.all.map((e) => compile(fields, e)) };
  if ('any' in expression) return expression.any.length === 0 ? NOTHING : { OR: expression.any.map((e) => compile(fields, e)) };
  const field = fields[expression.field];
  if (!field) throw new Error(`no filterable field ${expression.field}`);
  return condition(field, expression.operator, expression.value);
}

/** The payments of the account that the filter selects. */
export function paymentWhereOf(accountId: string, expression: FilterExpression): Prisma.PaymentWhereInput {
  checkFilterSize(expression);
  return { AND: [{ accountId }, compile(PAYMENT_FILTER_FIELDS, expression) as Prisma.PaymentWhereInput] };
}

/** The cases of the account that the filter selects. */
export function caseWhereOf(accountId: string, expression: FilterExpression): Prisma.CaseWhereInput {
  checkFilterSize(expression);
  return { AND: [{ accountId }, compile(CASE_FILTER_FIELDS, expression) as Prisma.CaseWhereInput] };
}

export const NO_FILTER: FilterExpression = { all: [] };
