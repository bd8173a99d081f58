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
        'payments(after: String, before: String, filter: PaymentFilter, first: Int, last: Int): PaymentConnection!',
        'case(id: ID!): Case',
        'caseByInvoiceNumber(creditor: ID!, invoiceNumber: String!): Case',
        'cases(after: String, before: String, filter: CaseFilter, first: Int, last: Int): CaseConnection!',
        'creditor(id: ID!): Creditor',
        'creditors(after: String, before: String, first: Int, last: Int): CreditorConnection!',
        'node(id: ID!): Node',
        'nodes(ids: [ID!]!): [Node]!',
        'fileImportReport(id: ID!): FileImportReport',
        'fileImportReports(after: String, before: String, first: Int, last: Int): FileImportReportConnection!',
      ].sort(),
    );
    expect(signature('Mutation').sort()).toEqual([
      'importPayments(file: File!): ImportPaymentsPayload!',
      'registerPayment(input: RegisterPaymentInput!): RegisterPaymentPayload!',
    ]);
  });
});
