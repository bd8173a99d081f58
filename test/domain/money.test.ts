import { describe, expect, it } from 'vitest';
import { formatOre, oreToNumber, parseAmount } from '../../src/domain/money.ts';

describe('parseAmount', () => {
  it.each([
    [100, 10000n],
    [100.0, 10000n],
    [0.01, 1n],
    [100.1, 10010n],
    [1234.56, 123456n],
    ['100', 10000n],
    ['100.5', 10050n],
    ['0.10', 10n],
    ['1000000000.00', 100000000000n],
    [1e9, 100000000000n],
    ['100.500', 10050n],
    [' 7.25 ', 725n],
    ['+3', 300n],
  ])('reads %j as %s öre', (input, ore) => {
    expect(parseAmount(input)).toEqual({ ore });
  });

  it.each([
    [0, 'not_positive'],
    [-0, 'not_positive'],
    ['0.00', 'not_positive'],
    [-1, 'not_positive'],
    ['-0.01', 'not_positive'],
    [0.001, 'too_many_decimals'],
    ['10.005', 'too_many_decimals'],
    [1e-7, 'too_many_decimals'],
    ['1000000000.01', 'too_large'],
    [1e21, 'too_large'],
    [Number.MAX_VALUE, 'too_large'],
    [Number.NaN, 'not_a_number'],
    [Number.POSITIVE_INFINITY, 'not_a_number'],
    ['NaN', 'not_a_number'],
    ['Infinity', 'not_a_number'],
    ['1e3', 'not_a_number'],
    ['1,5', 'not_a_number'],
    ['', 'not_a_number'],
    ['.5', 'not_a_number'],
    [null, 'not_a_number'],
    [true, 'not_a_number'],
    [{}, 'not_a_number'],
    [[100], 'not_a_number'],
    ['0x10', 'not_a_number'],
  ])('refuses %j (%s)', (input, problem) => {
    expect(parseAmount(input)).toEqual({ problem });
  });

  it('allows zero for case balances', () => {
    expect(parseAmount('0.00', { allowZero: true })).toEqual({ ore: 0n });
    expect(parseAmount(0, { allowZero: true })).toEqual({ ore: 0n });
  });
});

describe('formatting', () => {
  it('prints two decimals', () => {
    expect(formatOre(10000n)).toBe('100.00');
    expect(formatOre(5n)).toBe('0.05');
    expect(formatOre(100000000000n)).toBe('1000000000.00');
    expect(formatOre(-150n)).toBe('-1.50');
  });
  it('gives the exact JSON number', () => {
    expect(oreToNumber(10010n)).toBe(100.1);
    expect(oreToNumber(123456n)).toBe(1234.56);
    expect(oreToNumber(99999999999n)).toBe(999999999.99);
  });
});
