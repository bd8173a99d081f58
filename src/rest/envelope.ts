import { DEFAULT_PAGE_SIZE } from '../domain/vocabulary.ts';
import type { Issues } from './documentMapping.ts';
import type { ErrorDocument, ListLinksDocument, MetaDocument } from './schemas.ts';

/** Eve's error envelope (its schema: ErrorBody in schemas.ts). */
export function errorBody(code: number, message: string, issues?: Issues): ErrorDocument {
  return issues ? { _status: 'ERR', _error: { code, message }, _issues: issues } : { _status: 'ERR', _error: { code, message } };
}

/** Eve's message for a rejected insert; the fields' own messages are in `_issues`. */
export const INSERTION_FAILURE = 'Insertion failure: 1 document(s) contain(s) error(s)';

export interface ListEnvelope<T> {
  _items: T[];
  _meta: MetaDocument;
  _links: ListLinksDocument;
}

/** The query arguments a list's links carry over from the request, as the client sent them. */
export interface CarriedQuery {
  where?: string;
  sort?: string;
}

/**
 * Eve's list envelope, its links written as Eve's `querydef` writes them: relative to the API
 * root ("creditor--payments?page=2"), max_results then where, sort and page, leaving out the
 * default max_results and page 1. `self` carries the query only when something matched.
 */
export function listEnvelope<T>(
  resource: string,
  items: T[],
  page: { page: number; maxResults: number; total: number },
  carried: CarriedQuery,
): ListEnvelope<T> {
  const href = (pageNumber: number) => {
    const query = new URLSearchParams();
    if (page.maxResults !== DEFAULT_PAGE_SIZE) query.set('max_results', String(page.maxResults));
    if (carried.where) query.set('where', carried.where);
    if (carried.sort) query.set('sort', carried.sort);
    if (pageNumber > 1) query.set('page', String(pageNumber));
    const text = query.toString();
    return text ? `${resource}?${text}` : resource;
  };
  const lastPage = Math.max(1, Math.ceil(page.total / page.maxResults));
  const links: ListLinksDocument = {
    parent: { title: 'home', href: '/' },
    self: { title: resource, href: page.total > 0 ? href(page.page) : resource },
  };
  if (page.total > 0 && page.page * page.maxResults < page.total) {
    links.next = { title: 'next page', href: href(page.page + 1) };
    links.last = { title: 'last page', href: href(lastPage) };
  }
  if (page.page > 1) links.prev = { title: 'previous page', href: href(page.page - 1) };
  return { _items: items, _meta: { page: page.page, max_results: page.maxResults, total: page.total }, _links: links };
}
