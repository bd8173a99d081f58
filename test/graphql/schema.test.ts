import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { GraphQLObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { printSortedSchema, schema } from '../../src/graphql/schema.ts';
import { REPO_ROOT } from '../support/processes.ts';

describe('schema.graphql', () => {
  it('is the schema the code builds (run npm run schema:print after changing it)', () => {
    expect(readFileSync(path.join(REPO_ROOT, 'schema.graphql'), 'utf8')).toBe(printSortedSchema());
  });

  it("has the contract's operations, arguments and types", () => {
    const signature = (type: 'Query' | 'Mutation') =>
      Object.values((schema.getType(type) as GraphQLObjectType).getFields()).map(
        // Argument order carries no meaning in GraphQL (the schema lists them sorted).
        (f) =>
          `${f.name}(${f.args
            .map((a) => `${a.name}: ${a.type}`)
            .sort()
            .join(', ')}): ${f.type}`,
      );
    expect(signature('Query').sort()).toEqual(
      [
        'payment(id: ID!): Payment',
        'payments(after: String, filter: PaymentFilter, first: Int): PaymentConnection!',
        'case(id: ID!): Case',
        'caseByInvoiceNumber(creditor: ID!, invoiceNumber: String!): Case',
        'cases(after: String, filter: CaseFilter, first: Int): CaseConnection!',
        'creditor(id: ID!): Creditor',
        'creditors(after: String, first: Int): CreditorConnection!',
        'fileImportReport(id: ID!): FileImportReport',
        'fileImportReports(after: String, first: Int): FileImportReportConnection!',
      ].sort(),
    );
    expect(signature('Mutation').sort()).toEqual([
      'importPayments(file: File!): ImportPaymentsPayload!',
      'registerPayment(input: RegisterPaymentInput!): RegisterPaymentPayload!',
    ]);
  });
});
