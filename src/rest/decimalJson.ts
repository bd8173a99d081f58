import { randomBytes } from 'node:crypto';
import { formatOreAsFloatText, type Ore } from '../domain/money.ts';

// JSON.stringify (several times faster than a JSON writer in JavaScript) writes each amount, by its
// toJSON, as a marked string that stringifyDocument then unquotes. The mark starts with NUL, which
// no stored text can hold (isStorableText), and carries a random nonce: no client's text is taken for one.
const NONCE = randomBytes(12).toString('hex');
const MARK = `\u0000${NONCE}:`;
const MARKED = new RegExp(`"\\\\u0000${NONCE}:(\\d+\\.\\d+)"`, 'g');

/**
 * A money amount of a REST document: written into the JSON as the exact number text
 * (`100.0`, as Python prints a float), which JSON.stringify cannot do for a number (it prints `100`).
 */
export class MoneyNumber {
  readonly text: string;
  constructor(ore: Ore) {
    this.text = formatOreAsFloatText(ore);
  }
  /** Marked text that stringifyDocument unquotes; the REST face serializes every reply with it. */
  toJSON(): string {
    return MARK + this.text;
  }
}

/** The REST answers' serializer: JSON, with each MoneyNumber as its exact number text. */
export function stringifyDocument(data: unknown): string {
  const text = JSON.stringify(data);
  return text === undefined ? '' : text.replace(MARKED, '$1');
}
