import type { Case, Creditor, Payment } from '../../db/client.ts';
import { builder } from '../builder.ts';
import { connectionOf } from '../connection.ts';

// Declared apart from their fields, because the types point at each other.
export const PaymentRef = builder.objectRef<Payment>('Payment');
export const CaseRef = builder.objectRef<Case>('Case');
export const CreditorRef = builder.objectRef<Creditor>('Creditor');

export const PaymentConnection = connectionOf('Payment', PaymentRef);
export const CaseConnection = connectionOf('Case', CaseRef);
export const CreditorConnection = connectionOf('Creditor', CreditorRef);
