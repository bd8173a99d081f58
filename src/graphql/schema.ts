import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.ts';
import './types/scalars.ts';
import './types/enums.ts';
import './types/account.ts';
import './types/payment.ts';
import './types/case.ts';
import './types/creditor.ts';
import './types/registerPayment.ts';
import './types/subscriptions.ts';
import './types/fileImport.ts';

export const schema = builder.toSchema();

/** The SDL committed as schema.graphql; a test fails when it drifts from the code. */
export function printSortedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
