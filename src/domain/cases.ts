import { createHash } from 'node:crypto';
import type { Case, Db } from '../db/client.ts';
import type { RowCondition } from '../db/keysetRows.ts';
import { InvalidArgumentError } from './errors.ts';
import { newId } from './ids.ts';
import { caseWhereOf } from './listFilter.ts';
import { tableLists } from './lists.ts';
import { type Ore, parseAmount } from './money.ts';
import { isStorableText } from './text.ts';
import { CASE_STATE, type CaseState, CURRENCY } from './vocabulary.ts';

export function remainingTotal(c: Case): Ore {
  return c.remainingCosts + c.remainingInterest + c.remainingCapital;
}

/**
 * A case has no stored etag (cases change under settlements, not by clients), so it is the
 * SHA-1 of what the case says, plus the settlement version (which also changes when two
 * updates fall within one second of the REST API's `_updated`).
 */
export function caseEtag(c: Case): string {
  const content = [
    c.id,
    c.updatedAt.toISOString(),
    c.version,
    c.state,
    c.remainingCosts,
    c.remainingInterest,
    c.remainingCapital,
    c.invoiceNumber,
    c.referenceNumber,
    c.currency,
  ];
  return createHash('sha1').update(content.join('|')).digest('hex');
}

export interface CaseFilter {
  creditorId?: string | null;
  state?: CaseState | null;
  invoiceNumber?: string | null;
}

export function findCase(db: Db, accountId: string, id: string): Promise<Case | null> {
  return db.case.findFirst({ where: { id, accountId } });
}

/** Cases of the account by id, in one query whatever the number (for a page of payments). */
export function findCases(db: Db, accountId: string, ids: readonly string[]): Promise<Case[]> {
  return ids.length === 0 ? Promise.resolve([]) : db.case.findMany({ where: { id: { in: [...ids] }, accountId } });
}

export function findCaseByInvoiceNumber(db: Db, accountId: string, creditorId: string, invoiceNumber: string): Promise<Case | null> {
  if (!isStorableText(creditorId) || !isStorableText(invoiceNumber)) return Promise.resolve(null);
  return db.case.findFirst({ where: { creditorId, invoiceNumber, accountId } });
}

/** The list's filter as the typed statement takes it; null when it can match nothing (text no row can hold). */
function caseRowFilter(f: CaseFilter): RowCondition<'Case'>[] | null {
  if ([f.creditorId, f.invoiceNumber].some((v) => v && !isStorableText(v))) return null;
  return [
    ['creditorId', '=', f.creditorId],
    ['state', '=', f.state],
    ['invoiceNumber', '=', f.invoiceNumber],
  ];
}

/**
 * The lists of the account's cases (see tableLists): GraphQL's connection, the pages of many creditors at
 * once with each one's count, and REST's numbered list.
 */
const CASE_LISTS = tableLists({ table: 'Case', parentColumn: 'creditorId', conditions: caseRowFilter, model: (db) => db.case, where: caseWhereOf });
export const { list: listCases, listOfParents: listCasesOfCreditors, countOfParents: countCasesOfCreditors, listByPage: listCasesByPage } = CASE_LISTS;

export interface NewCase {
  /** A chosen id (the demo's, so documented examples work as printed); a new one otherwise. */
  id?: string;
  creditorId: string;
  invoiceNumber: string;
  referenceNumber: string;
  capital: string | number;
  costs?: string | number;
  interest?: string | number;
  currency?: string;
}

/** Opens a collection case (an operator's action: cases come from the agency, not from clients). */
export async function openCase(db: Db, input: NewCase): Promise<Case> {
  const creditor = await db.creditor.findUnique({ where: { id: input.creditorId } });
  if (!creditor) throw new InvalidArgumentError('creditor', `creditor ${input.creditorId} not found`);
  const money = (field: string, value: string | number | undefined): Ore => {
    if (value === undefined) return 0n;
    const parsed = parseAmount(value, { allowZero: true });
    if ('problem' in parsed) throw new InvalidArgumentError(field, `${field} must be an amount like 1500.00, got ${value}`);
    return parsed.ore;
  };
  const remainingCapital = money('capital', input.capital);
  const remainingCosts = money('costs', input.costs);
  const remainingInterest = money('interest', input.interest);
  if (!input.invoiceNumber) throw new InvalidArgumentError('invoiceNumber', 'invoiceNumber is required');
  if (!input.referenceNumber) throw new InvalidArgumentError('referenceNumber', 'referenceNumber is required');
  const total = remainingCapital + remainingCosts + remainingInterest;
  return db.case.create({
    data: {
      id: input.id ?? newId(),
      accountId: creditor.accountId,
      creditorId: creditor.id,
      invoiceNumber: input.invoiceNumber,
      referenceNumber: input.referenceNumber,
      currency: input.currency ?? CURRENCY.SEK,
      state: total === 0n ? CASE_STATE.PAID : CASE_STATE.OPEN,
      remainingCapital,
      remainingCosts,
      remainingInterest,
    },
  });
}

/** Closes a case: later payments on it are recorded but not applied. */
export async function closeCase(db: Db, caseId: string): Promise<Case> {
  const found = await db.case.findUnique({ where: { id: caseId } });
  if (!found) throw new InvalidArgumentError('case', `case ${caseId} not found`);
  return db.case.update({ where: { id: caseId }, data: { state: CASE_STATE.CLOSED, version: { increment: 1 } } });
}
