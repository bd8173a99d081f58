import { Readable } from 'node:stream';
import { CsvError, parse as parseCsv } from 'csv-parse';
import type { RegistrationField } from '../registration.ts';

/**
 * Reading an uploaded file of payments, line by line, without holding it in memory: CSV (comma or
 * semicolon separated, as bank and ledger exports are) through csv-parse, a well-kept streaming
 * parser that knows quotes, CRLF and the BOM; or JSON Lines, one object per line.
 */

/** The file's columns (the seed's field names) and the registration fields they fill. */
export const IMPORT_COLUMNS = {
  creditor: 'creditor',
  case: 'case',
  invoice_number: 'invoiceNumber',
  currency: 'currency',
  amount: 'amount',
  bank_transaction_date: 'bankTransactionDate',
  client_registration_date: 'clientRegistrationDate',
  creditor_payment_reference: 'creditorPaymentReference',
} as const satisfies Record<string, RegistrationField>;
export type ImportColumn = keyof typeof IMPORT_COLUMNS;
const REQUIRED_COLUMNS: readonly ImportColumn[] = ['creditor', 'currency', 'amount', 'bank_transaction_date'];

/** The column a registration field is read from: rejected lines name the file's own columns. */
export function columnOf(field: string): string {
  for (const [column, domain] of Object.entries(IMPORT_COLUMNS)) if (domain === field) return column;
  return field;
}

/** A whole-file problem: nothing of the file is applied, and the report says this. */
export class ImportFileError extends Error {}

/** A problem with one line's shape (not its content): the line is rejected under this field. */
export const LINE_FIELD = '_line';

export type ImportLine =
  /** `ordinal`: 1 for the first data line; `lineNumber`: where it ends in the file (the CSV header is line 1). */
  { ordinal: number; lineNumber: number; input: Record<string, unknown> } | { ordinal: number; lineNumber: number; problem: string };

/** Longest line accepted: a quote that never closes must not read the rest of the file into one field. */
const MAX_LINE_BYTES = 64 * 1024;

/**
 * The data lines of a file given as its bytes, in order. Throws ImportFileError for what makes the
 * whole file unreadable (not UTF-8 text, a wrong header, an unclosed quote).
 */
export async function* importLines(bytes: AsyncIterable<Buffer>): AsyncGenerator<ImportLine> {
  const text = decodeUtf8(bytes);
  // The first line decides the format (and, for CSV, the delimiter).
  let head = '';
  const rest = text[Symbol.asyncIterator]();
  while (!head.includes('\n')) {
    const next = await rest.next();
    if (next.done) break;
    head += next.value;
  }
  head = head.replace(/^\uFEFF/, '');
  if (head.trim() === '') throw new ImportFileError('the file is empty: it needs a header line and at least one line of payments');
  const all = (async function* () {
    yield head;
    for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
  })();
  if (head.trimStart().startsWith('{')) yield* jsonLines(all);
  else yield* csvLines(all, head.slice(0, head.indexOf('\n') === -1 ? undefined : head.indexOf('\n')));
}

async function* decodeUtf8(bytes: AsyncIterable<Buffer>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let offset = 0;
  for await (const chunk of bytes) {
    let piece: string;
    try {
      piece = decoder.decode(chunk, { stream: true });
    } catch {
      throw new ImportFileError(`the file is not UTF-8 text (bad bytes within the first ${offset + chunk.length} bytes): send a CSV or JSON Lines file`);
    }
    if (piece.includes('\0')) throw new ImportFileError('the file holds NUL characters, so it is not a text file: send a CSV or JSON Lines file');
    offset += chunk.length;
    if (piece !== '') yield piece;
  }
  try {
    const last = decoder.decode();
    if (last !== '') yield last;
  } catch {
    throw new ImportFileError('the file is not UTF-8 text (it ends inside a character): send a CSV or JSON Lines file');
  }
}

async function* csvLines(text: AsyncIterable<string>, headerLine: string): AsyncGenerator<ImportLine> {
  // Swedish exports separate with ";" because "," is their decimal mark.
  const delimiter = count(headerLine, ';') > count(headerLine, ',') ? ';' : ',';
  const parser = Readable.from(text).pipe(
    parseCsv({ delimiter, bom: true, info: true, relax_column_count: true, skip_empty_lines: true, trim: true, max_record_size: MAX_LINE_BYTES }),
  );
  let columns: ImportColumn[] | null = null;
  let ordinal = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (columns === null) {
        columns = checkHeader(record);
        continue;
      }
      ordinal += 1;
      if (record.length !== columns.length) {
        yield { ordinal, lineNumber: info.lines, problem: `the line has ${record.length} fields; the header has ${columns.length}` };
        continue;
      }
      const input: Record<string, unknown> = {};
      columns.forEach((column, i) => {
        const value = record[i]!;
        // An empty cell is a field not sent.
        if (value === '') return;
        input[IMPORT_COLUMNS[column]] = column === 'amount' && delimiter === ';' ? value.replace(/^(\d+),(\d+)$/, '$1.$2') : value;
      });
      yield { ordinal, lineNumber: info.lines, input };
    }
  } catch (error) {
    if (error instanceof ImportFileError) throw error;
    if (error instanceof CsvError) throw new ImportFileError(`the file is not valid CSV: ${(error as Error).message}`);
    throw error;
  }
  if (columns === null) throw new ImportFileError('the file is empty: it needs a header line and at least one line of payments');
}

function checkHeader(record: string[]): ImportColumn[] {
  const names = record.map((name) => name.trim().toLowerCase());
  const known = Object.keys(IMPORT_COLUMNS);
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new ImportFileError(`the header names unknown columns (${unknown.slice(0, 5).map(shortQuoted).join(', ')}); the columns are ${known.join(', ')}`);
  }
  const repeated = names.filter((name, i) => names.indexOf(name) !== i);
  if (repeated.length > 0) throw new ImportFileError(`the header names ${repeated[0]} twice`);
  const missing = REQUIRED_COLUMNS.filter((name) => !names.includes(name));
  if (!names.includes('case') && !names.includes('invoice_number')) missing.push('case');
  if (missing.length > 0) {
    throw new ImportFileError(`the header lacks the columns ${missing.join(', ')} (case may be given as invoice_number instead)`);
  }
  return names as ImportColumn[];
}

async function* jsonLines(text: AsyncIterable<string>): AsyncGenerator<ImportLine> {
  let buffered = '';
  let lineNumber = 0;
  let ordinal = 0;
  const lineOf = (line: string): ImportLine | null => {
    lineNumber += 1;
    if (line.trim() === '') return null;
    ordinal += 1;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return { ordinal, lineNumber, problem: 'the line is not JSON' };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ordinal, lineNumber, problem: 'the line is not a JSON object' };
    const unknown = Object.keys(value).filter((key) => !Object.hasOwn(IMPORT_COLUMNS, key));
    if (unknown.length > 0) return { ordinal, lineNumber, problem: `the line names unknown fields (${unknown.slice(0, 5).map(shortQuoted).join(', ')})` };
    const input: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) input[IMPORT_COLUMNS[key as ImportColumn]] = v;
    return { ordinal, lineNumber, input };
  };
  for await (const piece of text) {
    buffered += piece;
    let end = buffered.indexOf('\n');
    while (end !== -1) {
      const line = lineOf(buffered.slice(0, end).replace(/\r$/, ''));
      if (line) yield line;
      buffered = buffered.slice(end + 1);
      end = buffered.indexOf('\n');
    }
    if (buffered.length > MAX_LINE_BYTES) throw new ImportFileError(`line ${lineNumber + 1} is longer than ${MAX_LINE_BYTES} characters`);
  }
  const last = lineOf(buffered.replace(/\r$/, ''));
  if (last) yield last;
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}

function shortQuoted(name: string): string {
  return JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}...` : name);
}
