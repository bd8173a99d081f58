/**
 * One date parser for both APIs. Accepted:
 * - RFC 1123 as the REST system reads it (Python's strptime with `%a, %d %b %Y %H:%M:%S GMT`):
 *   "Fri, 04 Jul 2025 16:20:41 GMT", a one-digit day or hour ("Fri, 4 Jul 2025 6:20:41 GMT"),
 *   any case of the names ("fri, 04 JUL 2025 ..."), runs of spaces, and a weekday that does not
 *   match the date (strptime reads the weekday and then ignores it);
 * - ISO 8601 with a time zone ("2025-07-04T16:20:41Z") or a plain date ("2025-07-04": that day,
 *   from midnight UTC).
 * Impossible calendar dates (31 February) and years outside 1900-9999 are refused, not guessed at.
 */
const RFC1123 =
  /^(mon|tue|wed|thu|fri|sat|sun),\s+(3[01]|[12]\d|0[1-9]|[1-9])\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\s+(\d{4})\s+(2[0-3]|[01]\d|\d):([0-5]\d|\d):([0-5]\d|\d)\s+(gmt|utc|\+0000)$/i;
const ISO8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2}))?$/;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_MS = 24 * 60 * 60 * 1000;

/** A parsed date; `wholeDay` when the client gave a date without a time (an ISO 8601 plain date). */
export interface ParsedDate {
  date: Date;
  wholeDay: boolean;
}

export function parseDate(input: unknown): Date | null {
  return readDate(input)?.date ?? null;
}

/**
 * The last instant a date names as an upper bound: a plain date ("2025-07-04") includes that
 * whole day, up to 23:59:59.999 UTC; a date with a time is that instant.
 */
export function parseUpperBound(input: unknown): Date | null {
  const parsed = readDate(input);
  if (!parsed) return null;
  return parsed.wholeDay ? endOfDay(parsed.date) : parsed.date;
}

/** The last millisecond of the UTC day a plain date starts. */
export function endOfDay(dayStart: Date): Date {
  return new Date(dayStart.getTime() + DAY_MS - 1);
}

export function readDate(input: unknown): ParsedDate | null {
  if (typeof input !== 'string' || input.length > 64) return null;
  const text = input.trim();
  const rfc = RFC1123.exec(text);
  if (rfc) {
    const [, , day, month, year, hh, mm, ss] = rfc;
    const date = utc(Number(year), MONTHS.indexOf(month!.toLowerCase()), Number(day), Number(hh), Number(mm), Number(ss), 0);
    return date ? { date, wholeDay: false } : null;
  }
  const iso = ISO8601.exec(text);
  if (!iso) return null;
  const [, year, month, day, hh, mm, ss, fraction, zone] = iso;
  if (hh !== undefined && zone === undefined) return null; // a local time names no instant
  const ms = fraction ? Number(fraction.slice(0, 3).padEnd(3, '0')) : 0;
  const date = utc(Number(year), Number(month) - 1, Number(day), Number(hh ?? 0), Number(mm ?? 0), Number(ss ?? 0), ms);
  if (!date) return null;
  if (hh === undefined) return { date, wholeDay: true };
  if (zone === 'Z') return { date, wholeDay: false };
  const sign = zone!.startsWith('-') ? -1 : 1;
  const digits = zone!.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2));
  // Real offsets run from -12:00 to +14:00, in whole minutes of an hour.
  if (minutes > 59 || hours * 60 + minutes > 14 * 60) return null;
  // The range applies to the instant, not to the local reading: 9999-12-31T23:59:59-14:00 is
  // in year 10000, which neither the databases nor JavaScript's Date can print back.
  const instant = inRange(new Date(date.getTime() - sign * (hours * 60 + minutes) * 60_000));
  return instant ? { date: instant, wholeDay: false } : null;
}

const EARLIEST = Date.UTC(1900, 0, 1);
const LATEST = Date.UTC(10000, 0, 1) - 1;

function inRange(date: Date): Date | null {
  const time = date.getTime();
  return time >= EARLIEST && time <= LATEST ? date : null;
}

function utc(year: number, month: number, day: number, hh: number, mm: number, ss: number, ms: number): Date | null {
  if (year < 1900 || year > 9999 || hh > 23 || mm > 59 || ss > 59) return null;
  const date = new Date(Date.UTC(year, month, day, hh, mm, ss, ms));
  // Date.UTC rolls 31 Feb over into March, and maps years below 100 to 19xx: neither is what was sent.
  return date.getUTCFullYear() === year && date.getUTCMonth() === month && date.getUTCDate() === day ? date : null;
}

/** RFC 1123, the REST API's date format. */
export function formatRfc1123(date: Date): string {
  return date.toUTCString();
}
