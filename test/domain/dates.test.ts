import { describe, expect, it } from 'vitest';
import { formatRfc1123, parseDate } from '../../src/domain/dates.ts';

describe('parseDate', () => {
  it.each([
    ['Fri, 04 Jul 2025 16:20:41 GMT', '2025-07-04T16:20:41.000Z'],
    // As the existing REST system's strptime reads them: the weekday is not checked, the day may have one digit.
    ['Thu, 04 Jul 2025 16:20:41 GMT', '2025-07-04T16:20:41.000Z'],
    ['Fri, 4 Jul 2025 16:20:41 GMT', '2025-07-04T16:20:41.000Z'],
    ['2025-07-04T16:20:41Z', '2025-07-04T16:20:41.000Z'],
    ['2025-07-04T16:20:41.123Z', '2025-07-04T16:20:41.123Z'],
    ['2025-07-04T18:20:41+02:00', '2025-07-04T16:20:41.000Z'],
    ['2025-07-04T11:20:41-0500', '2025-07-04T16:20:41.000Z'],
    ['2025-07-04', '2025-07-04T00:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    // The edges of the range, reached through an offset.
    ['9999-12-31T23:59:59+14:00', '9999-12-31T09:59:59.000Z'],
    ['9999-12-31T09:59:59-14:00', '9999-12-31T23:59:59.000Z'],
    ['1900-01-01T10:00:00+10:00', '1900-01-01T00:00:00.000Z'],
    ['2025-07-04T16:20:41-12:00', '2025-07-05T04:20:41.000Z'],
  ])('reads %s', (input, iso) => {
    expect(parseDate(input)?.toISOString()).toBe(iso);
  });

  it.each([
    '2025-02-29',
    '2025-13-01',
    '2025-07-04T24:00:00Z',
    '2025-07-04T16:20:41', // no zone: which instant?
    '04/07/2025',
    'yesterday',
    '',
    '1e12',
    '2025-07-04T16:20:41+25:00',
    '0001-01-01',
    'x'.repeat(1000),
    // An offset may carry the instant out of range, and an offset's minutes stop at 59.
    '9999-12-31T23:59:59-14:00',
    '9999-12-31T23:00:00-01:00',
    '1900-01-01T00:00:00+14:00',
    '1900-01-01T00:30:00+01:00',
    '2025-07-04T16:20:41-00:99',
    '2025-07-04T16:20:41+0160',
    '2025-07-04T16:20:41+14:01',
  ])('refuses %j', (input) => {
    expect(parseDate(input)).toBeNull();
  });

  it.each([1720000000000, null, undefined, {}, []])('refuses the non-string %j', (input) => {
    expect(parseDate(input)).toBeNull();
  });

  it('round-trips RFC 1123', () => {
    expect(formatRfc1123(parseDate('Fri, 04 Jul 2025 16:20:41 GMT')!)).toBe('Fri, 04 Jul 2025 16:20:41 GMT');
  });
});
