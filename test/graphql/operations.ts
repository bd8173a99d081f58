/** GraphQL operations shared by the tests. */
export const REGISTER = /* GraphQL */ `
  mutation Register($input: RegisterPaymentInput!) {
    registerPayment(input: $input) {
      replayed
      userErrors { field message code }
      payment {
        id amount settledAmount settledCosts settledInterest settledCapital
        status statusReasonLocale bookingDate clientRegistrationDate bankTransactionDate
        caseInvoiceNumber caseReferenceNumber creditorPaymentReference origin currency etag createdAt updatedAt
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

export { seedExample } from '../support/registration.ts';
