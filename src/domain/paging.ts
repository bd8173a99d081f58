import { InvalidArgumentError } from './errors.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './vocabulary.ts';

/** Lists are newest first; (createdAt, id) orders rows that share a timestamp. */
export const NEWEST_FIRST = [{ createdAt: 'desc' }, { id: 'desc' }] as const;

export interface PageRequest {
  first?: number | null;
  after?: string | null;
}

export interface Page<T> {
  nodes: T[];
  cursors: string[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  /** Counted only when asked for: a count over a large account is not free. */
  totalCount: () => Promise<number>;
}

interface Ordered {
  id: string;
  createdAt: Date;
}

function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw new InvalidArgumentError('first', `first must be an integer from 0 to ${MAX_PAGE_SIZE}`);
  }
  return first;
}

export function encodeCursor(row: Ordered): string {
  return Buffer.from(`${row.createdAt.getTime()}:${row.id}`).toString('base64url');
}

function decodeCursor(cursor: string): Ordered {
  const match = /^(\d{1,15}):([0-9a-f]{24})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new InvalidArgumentError('after', 'after is not a cursor this API returned');
  return { createdAt: new Date(Number(match[1])), id: match[2]! };
}

/** The rows strictly after the cursor in newest-first order (a keyset, so deep pages stay cheap). */
function afterCursor(after: string | null | undefined) {
  if (!after) return {};
  const { createdAt, id } = decodeCursor(after);
  return { OR: [{ createdAt: { lt: createdAt } }, { createdAt, id: { lt: id } }] };
}

/**
 * Runs a keyset-paged, newest-first list: `fetch` gets the rows' where clause and a
 * limit one larger than the page, which tells whether a next page exists.
 */
export async function keysetPage<T extends Ordered, W extends object>(
  where: W,
  request: PageRequest,
  fetch: (where: W, take: number) => Promise<T[]>,
  count: (where: W) => Promise<number>,
): Promise<Page<T>> {
  const size = pageSize(request.first);
  const rows = size === 0 ? [] : await fetch({ AND: [where, afterCursor(request.after)] } as unknown as W, size + 1);
  const nodes = rows.slice(0, size);
  let counted: Promise<number> | undefined;
  return {
    nodes,
    cursors: nodes.map(encodeCursor),
    hasNextPage: rows.length > size,
    hasPreviousPage: Boolean(request.after),
    totalCount: () => (counted ??= count(where)),
  };
}

// --- the same pages for many parents at once (a connection field inside a list) ---

/** A page request with its arguments checked: what a batched read is keyed by. */
export interface CheckedPageRequest {
  size: number;
  after: string | null;
  /** The decoded `after`: rows strictly older than it. */
  cursor: Ordered | null;
}

/** Checks `first` and `after` before any read, so a bad argument fails its own field only. */
export function checkPageRequest(request: PageRequest): CheckedPageRequest {
  const size = pageSize(request.first);
  const after = request.after || null;
  return { size, after, cursor: after ? decodeCursor(after) : null };
}

/**
 * One newest-first page per parent from one fetch: `fetch` gets the parents, the cursor and
 * a limit per parent one larger than the page, and returns the rows of all parents, each
 * parent's newest first; `parentOf` tells whose a row is. The pages are the ones keysetPage
 * gives for each parent alone; `count` is the parent's totalCount, run only when asked.
 */
export async function keysetPages<T extends Ordered>(
  parentIds: readonly string[],
  request: CheckedPageRequest,
  fetch: (parentIds: string[], cursor: Ordered | null, take: number) => Promise<T[]>,
  parentOf: (row: T) => string,
  count: (parentId: string) => Promise<number>,
): Promise<Map<string, Page<T>>> {
  const { size, after, cursor } = request;
  const parents = [...new Set(parentIds)];
  const rows = size === 0 || parents.length === 0 ? [] : await fetch(parents, cursor, size + 1);
  const byParent = new Map<string, T[]>(parents.map((id) => [id, []]));
  for (const row of rows) byParent.get(parentOf(row))?.push(row);
  const pages = new Map<string, Page<T>>();
  for (const [parentId, fetched] of byParent) {
    const nodes = fetched.slice(0, size);
    pages.set(parentId, {
      nodes,
      cursors: nodes.map(encodeCursor),
      hasNextPage: fetched.length > size,
      hasPreviousPage: Boolean(after),
      totalCount: () => count(parentId),
    });
  }
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
