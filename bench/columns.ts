/**
 * The columns the seed and the raw floor write, taken from Prisma's generated field enums (the
 * client without the engine, so the raw floor stays light). A row is a record over every
 * column: a column added to or removed from the schema breaks the bench's compile, not its run.
 * The Postgres client's enums; the SQLite schema has the same models and fields.
 */
import { Prisma } from '../src/db/generated/postgres/browser.ts';

export type PaymentColumn = Prisma.PaymentScalarFieldEnum;
export type CaseColumn = Prisma.CaseScalarFieldEnum;
export const PAYMENT_COLUMNS = Object.values(Prisma.PaymentScalarFieldEnum) as PaymentColumn[];
export const CASE_COLUMNS = Object.values(Prisma.CaseScalarFieldEnum) as CaseColumn[];

/** A row's values in the columns' order. */
export const valuesOf = <C extends string>(columns: readonly C[], row: Record<C, unknown>): unknown[] => columns.map((c) => row[c]);
