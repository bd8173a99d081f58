import { USER_ERROR_CODES } from '../../domain/errors.ts';
import { builder } from '../builder.ts';

export const PaymentStatus = builder.enumType('PaymentStatus', {
  values: {
    COMPLETED: { value: 'completed' },
    WARNING: { value: 'warning' },
    ERROR: { value: 'error' },
  } as const,
});

export const CaseState = builder.enumType('CaseState', { values: ['OPEN', 'PAID', 'CLOSED'] as const });

export const Currency = builder.enumType('Currency', { values: ['SEK'] as const });

export const UserErrorCode = builder.enumType('UserErrorCode', { values: USER_ERROR_CODES });
