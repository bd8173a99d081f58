import { parseDate, parseUpperBound } from '../domain/dates.ts';
import { InvalidArgumentError } from '../domain/errors.ts';

/**
 * A DateTime argument of a read: the scalar hands it over raw, the domain's parser reads it.
 * As an inclusive upper bound (`upperBound`), a plain date includes that whole day.
 */
export function parseDateArg(field: string, value: unknown, { upperBound = false } = {}): Date | null {
  if (value === null || value === undefined) return null;
  const date = upperBound ? parseUpperBound(value) : parseDate(value);
  if (!date) throw new InvalidArgumentError(field, `${field} must be an ISO 8601 or RFC 1123 date`);
  return date;
}
