import { USER_ERROR_CODES } from '../../domain/errors.ts';
import { CASE_STATES, CURRENCIES, type PaymentStatus as DomainPaymentStatus, PAYMENT_STATUSES } from '../../domain/vocabulary.ts';
import { builder } from '../builder.ts';

/** GraphQL enum values are upper case by convention; each stands for the domain's lower-case status. */
const paymentStatusValues = Object.fromEntries(PAYMENT_STATUSES.map((status) => [status.toUpperCase(), { value: status }])) as Record<
  Uppercase<DomainPaymentStatus>,
  { value: DomainPaymentStatus }
>;

export const PaymentStatus = builder.enumType('PaymentStatus', { values: paymentStatusValues });

export const CaseState = builder.enumType('CaseState', { values: CASE_STATES });

export const Currency = builder.enumType('Currency', { values: CURRENCIES });

export const UserErrorCode = builder.enumType('UserErrorCode', { values: USER_ERROR_CODES });
