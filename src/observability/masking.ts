/**
 * Masking applied by the logger to every line, so no call site can leak personal data or
 * secrets. Patterns are deliberately broad: a masked non-secret costs nothing, a leaked one does.
 */

/** Luhn check of the digits in `candidate` (separators ignored): tells card numbers from ids and timestamps. */
export function passesLuhn(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '');
  if (digits.length === 0) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

const REPLACEMENTS: ReadonlyArray<readonly [RegExp, string | ((match: string) => string)]> = [
  // DSN / URL credentials: scheme://user:password@host
  [/([a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]+:)[^@\s/]+@/gi, '$1[REDACTED]@'],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, '$1 [REDACTED]'],
  // JWTs appearing anywhere
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, '[TOKEN_REDACTED]'],
  [/\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g, '[EMAIL_REDACTED]'],
  [/\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b/g, '[IBAN_REDACTED]'],
  [/\b\d{3}-\d{2}-\d{4}\b/g, '[SSN_REDACTED]'],
  [/\b(?:\d[ -]?){12,18}\d\b/g, (m) => (passesLuhn(m) ? '[CARD_REDACTED]' : m)],
  [/(?<![\w-])\+?\d{1,3}?[ .-]?\(?\d{2,4}\)?[ .-]\d{3,4}[ .-]\d{3,4}\b/g, '[PHONE_REDACTED]'],
];

const SECRET_KEY = /pass(word|wd)?|secret|token|authorization|cookie|api[-_]?key|credential|private[-_]?key|^dsn$/i;

export const REDACTED = '[REDACTED]';

/** Replaces e-mail addresses, SSNs, IBANs, card and phone numbers and embedded credentials. */
export function maskText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of REPLACEMENTS) {
    out = typeof replacement === 'string' ? out.replace(pattern, replacement) : out.replace(pattern, replacement);
  }
  return out;
}

/** True for field names whose values are secrets whatever they contain. */
export const isSecretKey = (key: string): boolean => SECRET_KEY.test(key);

/**
 * A name ending in a unit or size word, camel-case or snake-case (`accessTokenTtlSeconds`,
 * `password_min_length`). With a number under it, it is a duration, size or count about a secret,
 * not a secret: `config --json` must show token TTLs. A string under it is still redacted.
 */
const MEASURE = /(?:Ttl|Seconds|Minutes|Hours|Days|Ms|Length|Count|Points|_(?:ttl|seconds|minutes|hours|days|ms|length|count|points))$/;

const isSecretValue = (key: string, value: unknown): boolean =>
  isSecretKey(key) && value !== undefined && value !== null && value !== '' && !(typeof value === 'number' && MEASURE.test(key));

/** Deep copy of a log record with secrets removed and personal data masked. */
export function maskValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskText(value);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  // Error's fields are not enumerable: copy them explicitly, masked, or logs lose the cause.
  if (value instanceof Error) {
    return { type: value.name, message: maskText(value.message), ...(value.stack ? { stack: maskText(value.stack) } : {}) };
  }
  if (Array.isArray(value)) return value.map((v) => maskValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = isSecretValue(key, v) ? REDACTED : maskValue(v, depth + 1);
  }
  return out;
}
