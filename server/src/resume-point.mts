/**
 * Parsing of the resume point a client presents: the last broadcast `seq` it saw. Pure. Both
 * spellings accept exactly the non-negative safe integers; anything else is `bad` (the ticket
 * endpoint answers 400, the auth frame gets `auth_error` `bad_resume`) rather than being ignored,
 * so a client bug shows up instead of silently losing the replay.
 */
export type ResumePoint = number | undefined | 'bad';

// 16 digits cover Number.MAX_SAFE_INTEGER; longer strings are refused before any conversion.
const DIGITS = /^[0-9]{1,16}$/;

/** The `resume` values of a query string (`URLSearchParams.getAll`): none, one, or `bad`. */
export function resumeFromQuery(values: readonly string[]): ResumePoint {
  if (values.length === 0) return undefined;
  const [raw] = values;
  if (values.length > 1 || raw === undefined || !DIGITS.test(raw)) return 'bad';
  return checked(Number(raw));
}

/** The `resume` field of an auth frame (`undefined` when the key is absent). */
export function resumeFromField(value: unknown): ResumePoint {
  if (value === undefined) return undefined;
  return typeof value === 'number' ? checked(value) : 'bad';
}

function checked(value: number): ResumePoint {
  return Number.isSafeInteger(value) && value >= 0 ? value : 'bad';
}
