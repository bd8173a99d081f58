/**
 * Whether the database can store this text exactly as sent: Postgres refuses U+0000 in a
 * text value (an error, so a 500, not a miss), and an unpaired UTF-16 surrogate has no UTF-8
 * form (both drivers would store U+FFFD instead). Such text is refused as input and matches
 * nothing as a filter, the same on SQLite and on Postgres.
 */
export function isStorableText(text: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what must be found here.
  return !/\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}
