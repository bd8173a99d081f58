/**
 * One date parser for both APIs: RFC 1123 ("Fri, 04 Jul 2025 16:20:41 GMT"), as the
 * REST system sends, or ISO 8601 with a time zone ("2025-07-04T16:20:41Z") or a plain
 * date ("2025-07-04", midnight UTC). Anything else, including impossible calendar
 * dates such as 31 February, is refused rather than guessed at.
 */
const RFC1123 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) (GMT|UTC|\+0000)$/;
const ISO8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2}))?$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function parseDate(input: unknown): Date | null {
  if (typeof input !== 'string' || input.length > 64) return null;
  const text = input.trim();
  const rfc = RFC1123.exec(text);
  if (rfc) {
    const [, weekday, day, month, year, hh, mm, ss] = rfc;
    const date = utc(Number(year), MONTHS.indexOf(month!), Number(day), Number(hh), Number(mm), Number(ss), 0);
    // The weekday must agree with the date, or the client sent something inconsistent.
    return date?.toUTCString().startsWith(weekday!) ? date : null;
  }
  const iso = ISO8601.exec(text);
  if (!iso) return null;
  const [, year, month, day, hh, mm, ss, fraction, zone] = iso;
  if (hh !== undefined && zone === undefined) return null; // a local time names no instant
  const ms = fraction ? Number(fraction.slice(0, 3).padEnd(3, '0')) : 0;
  const date = utc(Number(year), Number(month) - 1, Number(day), Number(hh ?? 0), Number(mm ?? 0), Number(ss ?? 0), ms);
  if (!date || !zone || zone === 'Z') return date;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2));
  // Real offsets run from -12:00 to +14:00, in whole minutes of an hour.
  if (minutes > 59 || hours * 60 + minutes > 14 * 60) return null;
  // The range applies to the instant, not to the local reading: 9999-12-31T23:59:59-14:00 is
  // in year 10000, which neither the databases nor JavaScript's Date can print back.
  return inRange(new Date(date.getTime() - sign * (hours * 60 + minutes) * 60_000));
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
  // Date.UTC rolls 31 Feb over into March: such a date did not exist.
  return date.getUTCMonth() === month && date.getUTCDate() === day ? date : null;
}

/** RFC 1123, the REST API's date format. */
export function formatRfc1123(date: Date): string {
  return date.toUTCString();
}
