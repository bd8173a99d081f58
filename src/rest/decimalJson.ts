import { stringify } from 'lossless-json';
import { formatOreAsFloatText, type Ore } from '../domain/money.ts';

/**
 * A money amount of a REST document: written into the JSON as the exact number text
 * (`100.0`), which JSON.stringify cannot do for a number (it prints `100`).
 */
export class MoneyNumber {
  readonly text: string;
  constructor(ore: Ore) {
    this.text = formatOreAsFloatText(ore);
  }
  /** For any writer other than ours: the same value as a JSON number. */
  toJSON(): number {
    return Number(this.text);
  }
}

const MONEY_TEXT = [{ test: (value: unknown) => value instanceof MoneyNumber, stringify: (value: unknown) => (value as MoneyNumber).text }];

/** The REST answers' serializer: JSON, with each MoneyNumber as its exact text (lossless-json writes number text as given). */
export function stringifyDocument(data: unknown): string {
  return stringify(data, undefined, undefined, MONEY_TEXT) ?? '';
}
