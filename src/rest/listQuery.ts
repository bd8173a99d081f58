import type { Prisma } from '../db/client.ts';
import {
  CASE_FILTER_FIELDS,
  checkFilterSize,
  type FilterableField,
  type FilterExpression,
  type FilterOperator,
  type FilterValue,
  kindDescription,
  NO_FILTER,
  PAYMENT_FILTER_FIELDS,
  RefusedFilterError,
  readFilterValue,
} from '../domain/listFilter.ts';
import { DEFAULT_PAGE_SIZE, MAX_FILTER_DEPTH, MAX_PAGE_SIZE, PAYMENT_STATUS } from '../domain/vocabulary.ts';
import { ExactNumber, parseExactJson } from '../http/jsonBody.ts';
import { snakeCase } from './documentMapping.ts';

/** A list query the client must fix: answered 400 with this message. */
export class BadQueryError extends Error {}

/** Deep pages are not a use of this API; the bound also keeps the offset well inside a 32-bit integer. */
export const MAX_PAGE = 1_000_000;

export interface ListQuery<Order> {
  page: number;
  maxResults: number;
  filter: FilterExpression;
  orderBy: Order[];
  /** What the list's `_links` carry over, as the client sent it. */
  carried: { where?: string; sort?: string };
}

type Direction = 'asc' | 'desc';

/**
 * How one resource is listed, derived from the domain's filterable fields: the REST name of
 * each (`_id`, `creditor`, or the domain name in snake_case), which of them sort, the default.
 */
export interface ListSpec<Order> {
  /** REST name -> the domain's field. */
  whereFields: Readonly<Record<string, { name: string; field: FilterableField }>>;
  /** REST name -> the order it gives. */
  sortFields: Readonly<Record<string, (direction: Direction) => Order>>;
  defaultSort: string;
}

/** The names Eve gives the stored document's own fields, and the seed's names of the relations. */
const REST_NAME_OF: Readonly<Record<string, string>> = {
  id: '_id',
  createdAt: '_created',
  updatedAt: '_updated',
  accountId: 'account',
  creditorId: 'creditor',
  caseId: 'case',
};

function listSpec<Order>(fields: Readonly<Record<string, FilterableField>>, defaultSort: string): ListSpec<Order> {
  const whereFields: Record<string, { name: string; field: FilterableField }> = Object.create(null);
  const sortFields: Record<string, (direction: Direction) => Order> = Object.create(null);
  for (const [name, field] of Object.entries(fields)) {
    const restName = REST_NAME_OF[name] ?? snakeCase(name);
    whereFields[restName] = { name, field };
    if (field.sortable) sortFields[restName] = (direction) => ({ [field.column]: direction }) as Order;
  }
  return { whereFields, sortFields, defaultSort };
}

export const PAYMENT_LIST = listSpec<Prisma.PaymentOrderByWithRelationInput>(PAYMENT_FILTER_FIELDS, '-_created');
export const CASE_LIST = listSpec<Prisma.CaseOrderByWithRelationInput>(CASE_FILTER_FIELDS, '-_created');

export function parseListQuery<Order>(spec: ListSpec<Order>, query: Record<string, unknown>): ListQuery<Order> {
  const page = pageNumber(single(query, 'page'));
  if (page > MAX_PAGE) throw new BadQueryError(`page must be at most ${MAX_PAGE}`);
  const maxResults = Math.min(pageSize(single(query, 'max_results')), MAX_PAGE_SIZE);
  const where = single(query, 'where');
  const sort = single(query, 'sort');
  return {
    page,
    maxResults,
    filter: where === undefined ? NO_FILTER : parseWhere(spec, where),
    orderBy: parseSort(spec, sort ?? spec.defaultSort),
    carried: { ...(where !== undefined ? { where } : {}), ...(sort !== undefined ? { sort } : {}) },
  };
}

function single(query: Record<string, unknown>, name: string): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new BadQueryError(`${name} must be given once`);
  return value;
}

// --- paging, read as Eve reads it ---

/** Python's int(): optional sign, digits with single underscores between them, spaces around. */
const PYTHON_INT = /^\s*[+-]?\d+(?:_\d+)*\s*$/;
/** Python's float() of a finite decimal: 10, 10.5, .5, 1e2, with the same underscores and spaces. */
const PYTHON_FLOAT = /^\s*[+-]?(?:\d+(?:_\d+)*(?:\.(?:\d+(?:_\d+)*)?)?|\.\d+(?:_\d+)*)(?:[eE][+-]?\d+(?:_\d+)*)?\s*$/;

/** `abs(int(page)) or 1`: "-2" is page 2; "0", "abc" and "1.5" are page 1. */
function pageNumber(text: string | undefined): number {
  if (text === undefined || !PYTHON_INT.test(text)) return 1;
  const page = Math.abs(Number(text.replace(/_/g, '')));
  return page === 0 ? 1 : page;
}

/** `int(float(max_results))` when that is positive, else the default: "10.5" is 10; "0", "-1" and "abc" are the default. */
function pageSize(text: string | undefined): number {
  if (text === undefined || !PYTHON_FLOAT.test(text)) return DEFAULT_PAGE_SIZE;
  const size = Math.trunc(Number(text.replace(/_/g, '')));
  return Number.isFinite(size) && size > 0 ? size : DEFAULT_PAGE_SIZE;
}

// --- sort: `-amount,bank_transaction_date`, or Eve's Python list `[("amount", -1)]` ---

function parseSort<Order>(spec: ListSpec<Order>, text: string): Order[] {
  const terms = text.trimStart().startsWith('[') ? pythonSortList(text) : commaSortList(text);
  const seen = new Set<string>();
  return terms.map(({ field, direction }) => {
    const order = Object.hasOwn(spec.sortFields, field) ? spec.sortFields[field] : undefined;
    if (!order) {
      const known = Object.keys(spec.sortFields).join(', ');
      throw new BadQueryError(`sort: cannot sort on "${field}"; the sortable fields are ${known} (prefix - for descending)`);
    }
    if (seen.has(field)) throw new BadQueryError(`sort: "${field}" is given twice`);
    seen.add(field);
    return order(direction);
  });
}

function commaSortList(text: string): { field: string; direction: Direction }[] {
  return text.split(',').map((part) => {
    const term = part.trim();
    return term.startsWith('-') ? { field: term.slice(1), direction: 'desc' } : { field: term, direction: 'asc' };
  });
}

const SORT_LIST_EXAMPLE = `[("amount", -1), ("_created", 1)]`;
// One token of a Python list of (name, direction) tuples; anything else is refused, nothing is evaluated.
const SORT_TOKEN = /\s*(?:(?<punct>[[\](),])|"(?<dq>[A-Za-z0-9_]*)"|'(?<sq>[A-Za-z0-9_]*)'|(?<int>[+-]?\d+))/y;

/** `[("amount", -1), ('_created', 1)]`, a trailing comma allowed as in Python; directions 1 and -1. */
function pythonSortList(text: string): { field: string; direction: Direction }[] {
  const tokens: string[] = [];
  SORT_TOKEN.lastIndex = 0;
  while (SORT_TOKEN.lastIndex < text.length) {
    const start = SORT_TOKEN.lastIndex;
    const match = SORT_TOKEN.exec(text);
    if (!match) {
      if (text.slice(start).trim() === '') break;
      throw badSortList(`unexpected ${JSON.stringify(text.slice(start).trim().slice(0, 20))}`);
    }
    const { punct, dq, sq, int } = match.groups!;
    tokens.push(punct ?? (int !== undefined ? `#${int}` : `$${dq ?? sq}`));
  }
  let at = 0;
  const expect = (token: string) => {
    if (tokens[at] !== token) throw badSortList(`expected "${token}"`);
    at += 1;
  };
  const terms: { field: string; direction: Direction }[] = [];
  expect('[');
  while (tokens[at] === '(') {
    at += 1;
    const name = tokens[at];
    if (!name?.startsWith('$')) throw badSortList('each tuple starts with a quoted field name');
    at += 1;
    expect(',');
    const direction = tokens[at];
    if (direction !== '#1' && direction !== '#-1' && direction !== '#+1') throw badSortList(`the direction of "${name.slice(1)}" must be 1 or -1`);
    at += 1;
    expect(')');
    terms.push({ field: name.slice(1), direction: direction === '#-1' ? 'desc' : 'asc' });
    if (tokens[at] !== ',') break;
    at += 1;
  }
  expect(']');
  if (at !== tokens.length) throw badSortList('text after the closing "]"');
  if (terms.length === 0) throw badSortList('the list is empty');
  return terms;
}

const badSortList = (detail: string) => new BadQueryError(`sort: not a list of (field, direction) tuples like ${SORT_LIST_EXAMPLE}: ${detail}`);

// --- where: Eve's (Mongo's) query operators ---

const WHERE_EXAMPLE = `{"status": "${PAYMENT_STATUS.completed}"}`;
const OPERATORS: Readonly<Record<string, FilterOperator>> = {
  $eq: 'eq',
  $ne: 'ne',
  $in: 'in',
  $nin: 'nin',
  $gt: 'gt',
  $gte: 'gte',
  $lt: 'lt',
  $lte: 'lte',
};
const OPERATOR_NAMES = Object.keys(OPERATORS).join(', ');

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof ExactNumber);

function parseWhere<Order>(spec: ListSpec<Order>, text: string): FilterExpression {
  let where: unknown;
  try {
    JSON.parse(text); // the platform's parser, for its refusals
    where = parseExactJson(text); // then amounts exactly as written
  } catch {
    throw new BadQueryError(`where must be a JSON object, like ${WHERE_EXAMPLE}; could not parse ${JSON.stringify(text.slice(0, 200))}`);
  }
  if (!isPlainObject(where)) throw new BadQueryError(`where must be a JSON object, like ${WHERE_EXAMPLE}`);
  const expression = conditions(spec, where, 0);
  try {
    checkFilterSize(expression);
  } catch (error) {
    if (error instanceof RefusedFilterError) throw new BadQueryError(`where: ${error.message}`);
    throw error;
  }
  return expression;
}

/** An object of conditions, all of which must hold. Depth is checked on the way down, so nesting cannot exhaust the stack. */
function conditions<Order>(spec: ListSpec<Order>, where: Record<string, unknown>, depth: number): FilterExpression {
  const all: FilterExpression[] = [];
  for (const [key, value] of Object.entries(where)) {
    if (key === '$and' || key === '$or') {
      if (depth + 1 > MAX_FILTER_DEPTH) throw new BadQueryError(`where: $and/$or may nest at most ${MAX_FILTER_DEPTH} deep`);
      if (!Array.isArray(value) || value.length === 0 || !value.every(isPlainObject)) {
        throw new BadQueryError(`where: ${key} takes a non-empty array of objects of conditions`);
      }
      const branches = value.map((branch) => conditions(spec, branch as Record<string, unknown>, depth + 1));
      all.push(key === '$and' ? { all: branches } : { any: branches });
      continue;
    }
    if (key.startsWith('$')) throw new BadQueryError(`where: unknown operator "${key}"; combine conditions with $and or $or`);
    const known = Object.hasOwn(spec.whereFields, key) ? spec.whereFields[key] : undefined;
    if (!known) throw new BadQueryError(`where: unknown field "${key}"; the fields are ${Object.keys(spec.whereFields).join(', ')}`);
    all.push(fieldConditions(key, known, value));
  }
  return all.length === 1 ? all[0]! : { all };
}

function fieldConditions(restName: string, { name, field }: { name: string; field: FilterableField }, value: unknown): FilterExpression {
  if (Array.isArray(value)) throw new BadQueryError(`where: ${restName} takes a value or an object of operators (${OPERATOR_NAMES}); for a list use $in`);
  if (!isPlainObject(value)) return { field: name, operator: 'eq', value: operand(restName, field, 'eq', value) };
  const entries = Object.entries(value);
  if (entries.length === 0) throw new BadQueryError(`where: ${restName} needs an operator: ${OPERATOR_NAMES}`);
  const all: FilterExpression[] = entries.map(([key, raw]) => {
    const operator = Object.hasOwn(OPERATORS, key) ? OPERATORS[key] : undefined;
    if (!operator) throw new BadQueryError(`where: unknown operator "${key}" on ${restName}; the operators are ${OPERATOR_NAMES}`);
    const label = `${restName}.${key}`;
    if (operator === 'in' || operator === 'nin') {
      if (!Array.isArray(raw)) throw new BadQueryError(`where: ${label} takes an array of values`);
      return { field: name, operator, value: raw.map((v) => operand(label, field, operator, v)) };
    }
    return { field: name, operator, value: operand(label, field, operator, raw) };
  });
  return all.length === 1 ? all[0]! : { all };
}

function operand(label: string, field: FilterableField, operator: FilterOperator, raw: unknown): FilterValue {
  const value = readFilterValue(field, operator, raw instanceof ExactNumber ? (field.kind.type === 'money' ? raw.decimalText : raw.valueOf()) : raw);
  if (value === undefined) throw new BadQueryError(`where: ${label} must be ${kindDescription(field.kind)}${field.nullable ? ' or null' : ''}`);
  return value;
}
