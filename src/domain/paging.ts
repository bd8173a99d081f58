import type { KeysetRange } from '../db/keysetRows.ts';
import { InvalidArgumentError } from './errors.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './vocabulary.ts';

// Lists are newest first; (createdAt, id) orders rows that share a timestamp, and cursors name both.
export type { KeysetRange };

/** A connection's page arguments (Relay): `first` after a cursor, or `last` before one. */
export interface PageRequest {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export interface Page<T> {
  nodes: T[];
  cursors: string[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  /** Counted only when asked for: a count over a large account is not free. */
  totalCount: () => Promise<number>;
}

export interface Ordered {
  id: string;
  createdAt: Date;
}

/** A page request with its arguments checked: what a read (and a batched read) is keyed by. */
export interface CheckedPageRequest {
  size: number;
  /** `last` was given: the page is the newest-first order's last `size` rows of the range. */
  backward: boolean;
  /** The cursors as given (they key a batched read). */
  after: string | null;
  before: string | null;
  range: KeysetRange;
}

function pageSize(field: 'first' | 'last', value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_PAGE_SIZE) {
    throw new InvalidArgumentError(field, `${field} must be an integer from 0 to ${MAX_PAGE_SIZE}`);
  }
  return value;
}

export function encodeCursor(row: Ordered): string {
  return Buffer.from(`${row.createdAt.getTime()}:${row.id}`).toString('base64url');
}

function decodeCursor(field: 'after' | 'before', cursor: string): Ordered {
  const match = /^(\d{1,15}):([0-9a-f]{24})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new InvalidArgumentError(field, `${field} is not a cursor this API returned`);
  return { createdAt: new Date(Number(match[1])), id: match[2]! };
}

/**
 * Checks the page arguments before any read, so a bad argument fails its own field only.
 * `first` and `last` together have no single meaning (Relay discourages it): refused, naming `last`.
 */
export function checkPageRequest(request: PageRequest): CheckedPageRequest {
  const hasFirst = request.first !== null && request.first !== undefined;
  const hasLast = request.last !== null && request.last !== undefined;
  if (hasFirst && hasLast) throw new InvalidArgumentError('last', 'last cannot be used together with first: page forward with first, backward with last');
  const size = hasLast ? pageSize('last', request.last!) : hasFirst ? pageSize('first', request.first!) : DEFAULT_PAGE_SIZE;
  const after = request.after || null;
  const before = request.before || null;
  return {
    size,
    backward: hasLast,
    after,
    before,
    range: { after: after ? decodeCursor('after', after) : null, before: before ? decodeCursor('before', before) : null, backward: hasLast },
  };
}

/**
 * The page cut from `fetched` (the range's rows in read order, one more than the page when there
 * are more): Relay's pageInfo. Forward, hasNextPage tells whether rows follow and hasPreviousPage
 * whether an `after` cursor was given (rows precede it); backward, the mirror image.
 */
function pageOf<T extends Ordered>(fetched: T[], request: CheckedPageRequest, totalCount: () => Promise<number>): Page<T> {
  const { size, backward } = request;
  const more = fetched.length > size;
  const nodes = fetched.slice(0, size);
  if (backward) nodes.reverse();
  return {
    nodes,
    cursors: nodes.map(encodeCursor),
    hasNextPage: backward ? request.before !== null : more,
    hasPreviousPage: backward ? more : request.after !== null,
    totalCount,
  };
}

/**
 * Runs a keyset-paged, newest-first list: `fetch` gets the range and a limit one larger than
 * the page (which tells whether more rows lie beyond it) and returns the rows in the range's read
 * order; `count` counts the whole list (cursors aside), run only when asked.
 */
export async function keysetPage<T extends Ordered>(
  request: PageRequest,
  fetch: (range: KeysetRange, take: number) => Promise<T[]>,
  count: () => Promise<number>,
): Promise<Page<T>> {
  const checked = checkPageRequest(request);
  const rows = checked.size === 0 ? [] : await fetch(checked.range, checked.size + 1);
  let counted: Promise<number> | undefined;
  return pageOf(rows, checked, () => (counted ??= count()));
}

// --- the same pages for many parents at once (a connection field inside a list) ---

/**
 * One page per parent from one fetch: `fetch` gets the parents, the range and a limit per parent
 * one larger than the page, and returns the rows of all parents, each parent's in the range's read
 * order; `parentOf` tells whose a row is. The pages are the ones keysetPage gives for each parent
 * alone; `count` is the parent's totalCount, run only when asked.
 */
export async function keysetPages<T extends Ordered>(
  parentIds: readonly string[],
  request: CheckedPageRequest,
  fetch: (parentIds: string[], range: KeysetRange, take: number) => Promise<T[]>,
  parentOf: (row: T) => string,
  count: (parentId: string) => Promise<number>,
): Promise<Map<string, Page<T>>> {
  const parents = [...new Set(parentIds)];
  const rows = request.size === 0 || parents.length === 0 ? [] : await fetch(parents, request.range, request.size + 1);
  const byParent = new Map<string, T[]>(parents.map((id) => [id, []]));
  for (const row of rows) byParent.get(parentOf(row))?.push(row);
  const pages = new Map<string, Page<T>>();
  for (const [parentId, fetched] of byParent)
    pages.set(
      parentId,
      pageOf(fetched, request, () => count(parentId)),
    );
  return pages;
}

/** Page-numbered lists (the REST API's `page` and `max_results`): ordered as asked, then by id. */
export interface NumberedPageRequest<Order> {
  page: number;
  perPage: number;
  orderBy: Order[];
}

export async function numberedPage<T, W, Order>(
  where: W,
  request: NumberedPageRequest<Order>,
  fetch: (args: { where: W; orderBy: Order[]; skip: number; take: number }) => Promise<T[]>,
  count: (where: W) => Promise<number>,
): Promise<{ items: T[]; total: number }> {
  const [items, total] = await Promise.all([
    fetch({ where, orderBy: request.orderBy, skip: (request.page - 1) * request.perPage, take: request.perPage }),
    count(where),
  ]);
  return { items, total };
}
