/**
 * What one GraphQL request may ask for; everything here is checked before any resolver runs.
 * Page sizes are capped at 100 by the domain; these bound the shape of the query.
 */
export const LIMITS = {
  /** Cost: every field 1, a list's selection multiplied by its page size (`first`, 25 by default). */
  complexity: 5_000,
  depth: 12,
  /** Fields selected at one level. */
  breadth: 100,
  aliases: 15,
  directives: 20,
  /** Lexical tokens in the document: stops huge queries before they are even validated fully. */
  tokens: 3_000,
} as const;
