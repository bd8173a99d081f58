/** GraphQL operations shared by the tests. */
export const REGISTER = /* GraphQL */ `
  mutation Register($input: RegisterPaymentInput!) {
    registerPayment(input: $input) {
      replayed
      userErrors { field message code }
      payment {
        id amount settledAmount settledCosts settledInterest settledCapital
        status statusReasonLocale bookingDate clientRegistrationDate bankTransactionDate
        caseInvoiceNumber caseReferenceNumber creditorPaymentReference origin currency etag
        case { id state remainingCosts remainingInterest remainingCapital remainingTotal }
        creditor { id }
        account { id }
      }
    }
  }
`;

export const CASE = /* GraphQL */ `
  query Case($id: ID!) {
    case(id: $id) { id state remainingCosts remainingInterest remainingCapital remainingTotal }
  }
`;

/** The seed document's example, for a case that exists. */
export function seedExample(creditor: string, caseId: string, overrides: Record<string, unknown> = {}) {
  return {
    creditor,
    case: caseId,
    currency: 'SEK',
    amount: 100.0,
    bankTransactionDate: 'Fri, 04 Jul 2025 16:20:41 GMT',
    creditorPaymentReference: 'PAY-REF-001',
    origin: 'creditor_system',
    ...overrides,
  };
}
