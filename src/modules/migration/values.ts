import type { PgType } from './pg-types.ts';

/**
 * Values of the whitelisted types, validated and rendered exactly as PostgreSQL renders them
 * (session TimeZone=UTC, DateStyle=ISO, extra_float_digits=1), so what the engine loads and
 * fingerprints is what the target shows afterwards. Ordering follows PostgreSQL's for numbers,
 * dates and timestamps; text is ordered by code unit (no collation).
 */

/** A value that does not fit its type; the message says why. */
export class ValueError extends Error {
  readonly isValueError = true;
  constructor(message: string) {
    super(message);
    this.name = 'ValueError';
  }
}

export const isValueError = (e: unknown): e is ValueError =>
  e instanceof Error && (e as Partial<ValueError>).isValueError === true;

/** Quotes a value for a message, shortened. */
export function shown(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

interface Decimal {
  negative: boolean;
  /** Integer digits without leading zeros ('' for zero). */
  int: string;
  /** Fraction digits, as written (display scale). */
  frac: string;
}

const DECIMAL = /^([+-])?(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d{1,4}))?$/;

function parseDecimal(text: string): Decimal | undefined {
  const m = DECIMAL.exec(text.trim());
  if (!m) return undefined;
  let int = m[2] ?? '';
  let frac = m[3] ?? m[4] ?? '';
  const exp = Number(m[5] ?? 0);
  if (exp > 0) {
    const moved = frac.slice(0, exp).padEnd(exp, '0');
    int += moved;
    frac = frac.slice(exp);
  } else if (exp < 0) {
    const n = -exp;
    frac = int.slice(Math.max(0, int.length - n)).padStart(n, '0') + frac;
    int = int.slice(0, Math.max(0, int.length - n));
  }
  int = int.replace(/^0+/, '');
  return { negative: m[1] === '-', int, frac };
}

const isZero = (d: Decimal) => d.int === '' && !/[1-9]/.test(d.frac);

function renderDecimal(d: Decimal): string {
  const body = (d.int || '0') + (d.frac ? `.${d.frac}` : '');
  return d.negative && !isZero(d) ? `-${body}` : body;
}

/** Adds one unit in the last place of a digit string; returns the carry-out. */
function increment(digits: string): { digits: string; carry: boolean } {
  const chars = digits.split('');
  for (let i = chars.length - 1; i >= 0; i--) {
    if (chars[i] !== '9') {
      chars[i] = String(Number(chars[i]) + 1);
      return { digits: chars.join(''), carry: false };
    }
    chars[i] = '0';
  }
  return { digits: chars.join(''), carry: true };
}

/** Rounds half away from zero to `scale` fraction digits, as numeric does. */
function roundDecimal(d: Decimal, scale: number): Decimal {
  if (d.frac.length <= scale) return { ...d, frac: d.frac.padEnd(scale, '0') };
  const up = d.frac.charCodeAt(scale) >= 0x35; // '5'
  let frac = d.frac.slice(0, scale);
  let int = d.int;
  if (up) {
    const bumped = increment(frac);
    frac = bumped.digits;
    if (bumped.carry) {
      const next = increment(int || '0');
      int = next.carry ? `1${next.digits}` : next.digits;
    }
  }
  return { negative: d.negative, int: int.replace(/^0+/, ''), frac };
}

function castNumeric(type: PgType, value: string): string {
  const d = parseDecimal(value);
  if (!d) throw new ValueError(`${shown(value)} is not a number`);
  if (type.scale === undefined) return renderDecimal(d);
  const r = roundDecimal(d, type.scale);
  if (r.int.length > type.precision! - type.scale) {
    throw new ValueError(`${shown(value)} does not fit ${type.name} (at most ${type.precision! - type.scale} integer digits)`);
  }
  return renderDecimal(r);
}

const INT_LIMITS: Record<number, [bigint, bigint]> = {
  16: [-32768n, 32767n],
  32: [-2147483648n, 2147483647n],
  64: [-9223372036854775808n, 9223372036854775807n],
};

function castInteger(type: PgType, value: string): string {
  const d = parseDecimal(value);
  if (!d) throw new ValueError(`${shown(value)} is not an integer`);
  if (/[1-9]/.test(d.frac)) throw new ValueError(`${shown(value)} is not a whole number`);
  const [lo, hi] = INT_LIMITS[type.bits!]!;
  const n = d.int.length > 20 ? undefined : BigInt((d.negative ? '-' : '') + (d.int || '0'));
  if (n === undefined || n < lo || n > hi) throw new ValueError(`${shown(value)} is out of range for ${type.name}`);
  return n.toString();
}

const FLOAT_SPECIAL: Record<string, number> = {
  nan: NaN,
  infinity: Infinity,
  '+infinity': Infinity,
  '-infinity': -Infinity,
  inf: Infinity,
  '+inf': Infinity,
  '-inf': -Infinity,
};

/** Shortest digits that read back as `x` at the given width (what PostgreSQL 12+ prints). */
function shortestExponential(x: number, bits: number): string {
  if (bits === 64) return x.toExponential();
  for (let p = 1; p <= 9; p++) {
    const candidate = Number(x.toPrecision(p));
    if (Math.fround(candidate) === x) return candidate.toExponential();
  }
  return x.toExponential();
}

/** float4out/float8out: fixed notation for exponents in [-4, FLT_DIG or DBL_DIG), scientific otherwise. */
export function formatFloat(x: number, bits: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mantissa, expText] = shortestExponential(x, bits).split('e') as [string, string];
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace(/^-/, '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exp < -4 || exp >= (bits === 64 ? 15 : 6)) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const int = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1);
  return `${sign}${int}${frac ? `.${frac}` : ''}`;
}

function castFloat(type: PgType, value: string): string {
  const t = value.trim().toLowerCase();
  let x = FLOAT_SPECIAL[t];
  if (x === undefined) {
    if (!DECIMAL.test(t)) throw new ValueError(`${shown(value)} is not a number`);
    x = Number(t);
    if (!Number.isFinite(x)) throw new ValueError(`${shown(value)} is out of range for ${type.name}`);
    if (type.bits === 32) {
      const f = Math.fround(x);
      if (!Number.isFinite(f) || (f === 0 && x !== 0)) throw new ValueError(`${shown(value)} is out of range for ${type.name}`);
      x = f;
    } else if (x === 0 && /[1-9]/.test(t.split('e')[0]!)) {
      throw new ValueError(`${shown(value)} is out of range for ${type.name}`);
    }
  } else if (type.bits === 32) {
    x = Math.fround(x);
  }
  return formatFloat(x, type.bits!);
}

const TRUE = new Set(['t', 'true', 'y', 'yes', 'on', '1']);
const FALSE = new Set(['f', 'false', 'n', 'no', 'off', '0']);

function castBoolean(value: string): string {
  const t = value.trim().toLowerCase();
  if (TRUE.has(t)) return 't';
  if (FALSE.has(t)) return 'f';
  throw new ValueError(`${shown(value)} is not a boolean (true/false, t/f, yes/no, on/off, 1/0)`);
}

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)?$/i;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Milliseconds since 1970 of a UTC calendar instant (years 1..9999; Date.UTC would map years < 100 to 19xx). */
function utcMillis(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  return date.getTime();
}

function zoneSeconds(zone: string | undefined): number {
  if (!zone || zone.toUpperCase() === 'Z') return 0;
  const digits = zone.slice(1).replaceAll(':', '');
  const seconds = Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2, 4) || 0) * 60 + Number(digits.slice(4, 6) || 0);
  return zone.startsWith('-') ? -seconds : seconds;
}

/** An instant split into whole milliseconds and the microseconds below them (a float cannot hold µs since year 1). */
interface Instant {
  ms: number;
  us: number;
}

function parseTimestamp(value: string, withZone: boolean, precision = 6): Instant | undefined {
  const m = TIMESTAMP.exec(value.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((x) => Number(x ?? 0)) as [number, number, number, number, number, number];
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const daysInMonth = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]!;
  if (d > daysInMonth) return undefined;
  // Round half up at the column's precision (6 digits by default), as PostgreSQL does.
  const unit = 10 ** (6 - precision);
  const micros = Math.round(Number((m[7] ?? '').padEnd(7, '0').slice(0, 7)) / 10 / unit) * unit;
  const ms = utcMillis(y, mo, d, h, mi, s) + Math.floor(micros / 1000) - (withZone ? zoneSeconds(m[8]) * 1000 : 0);
  return { ms, us: micros % 1000 };
}

function renderTimestamp(instant: Instant, withZone: boolean): string {
  const date = new Date(instant.ms);
  const y = date.getUTCFullYear();
  if (y < 1 || y > 9999) throw new ValueError('is outside the years 1 to 9999');
  const sub = date.getUTCMilliseconds() * 1000 + instant.us;
  const frac = sub > 0 ? `.${pad(sub, 6).replace(/0+$/, '')}` : '';
  const text = `${pad(y, 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}${frac}`;
  return withZone ? `${text}+00` : text;
}

function castTimestamp(type: PgType, value: string): string {
  const withZone = type.kind === 'timestamptz';
  const instant = parseTimestamp(value, withZone, type.precision);
  if (!instant) throw new ValueError(`${shown(value)} is not a timestamp (YYYY-MM-DD[ HH:MM[:SS[.ffffff]]][Z|±HH[:MM]])`);
  try {
    return renderTimestamp(instant, withZone);
  } catch (e) {
    throw new ValueError(`${shown(value)} ${(e as Error).message}`);
  }
}

function castDate(value: string): string {
  const instant = parseTimestamp(value, false);
  if (!instant) throw new ValueError(`${shown(value)} is not a date (YYYY-MM-DD)`);
  return renderTimestamp(instant, false).slice(0, 10);
}

function castUuid(value: string): string {
  const hex = value.trim().replace(/^\{(.*)\}$/, '$1').replaceAll('-', '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new ValueError(`${shown(value)} is not a UUID`);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function castJson(type: PgType, value: string): string {
  try {
    JSON.parse(value);
  } catch {
    throw new ValueError(`${shown(value)} is not valid JSON`);
  }
  if (type.name === 'jsonb' && value.includes('\\u0000')) throw new ValueError('jsonb cannot hold the character \\u0000');
  return value;
}

function castText(type: PgType, value: string): string {
  if (value.includes('\u0000')) throw new ValueError('text cannot hold the character NUL');
  if (type.length !== undefined) {
    let n = 0;
    for (const _ of value) n++;
    if (n > type.length) throw new ValueError(`${shown(value)} is longer than ${type.length} characters`);
  }
  return value;
}

/**
 * The function that validates a value for a whitelisted type and renders it as PostgreSQL
 * would; it throws ValueError for a value that does not fit. Types off the whitelist pass text through.
 */
export function valueCaster(type: PgType): (value: string) => string {
  switch (type.kind) {
    case 'integer':
      return (v) => castInteger(type, v);
    case 'numeric':
      return (v) => castNumeric(type, v);
    case 'float':
      return (v) => castFloat(type, v);
    case 'boolean':
      return castBoolean;
    case 'date':
      return castDate;
    case 'timestamp':
    case 'timestamptz':
      return (v) => castTimestamp(type, v);
    case 'uuid':
      return castUuid;
    case 'json':
      return (v) => castJson(type, v);
    case 'text':
      return (v) => castText(type, v);
    case 'other':
      return (v) => v;
  }
}

const NUMERIC_KINDS = new Set(['integer', 'numeric', 'float']);
const SMALL_INTEGER = /^-?\d+$/;

/** -1, 0 or 1: numbers by value (NaN above everything, as in PostgreSQL), everything else by its canonical text. */
export function compareValues(kind: PgType['kind'], a: string, b: string): number {
  if (!NUMERIC_KINDS.has(kind)) return a < b ? -1 : a > b ? 1 : 0;
  // Integer values are canonical integer text: below 16 digits a float holds them exactly.
  if (kind === 'integer' && a.length < 16 && b.length < 16) return Math.sign(Number(a) - Number(b));
  return compareNumbers(a, b);
}

function numberRank(text: string): number {
  const t = text.toLowerCase();
  if (t === 'nan') return 3;
  if (t === 'infinity') return 2;
  if (t === '-infinity') return -2;
  return 0;
}

function compareNumbers(a: string, b: string): number {
  // Most numbers are integers of a few digits: compare those as floats, which hold them exactly.
  if (a.length < 16 && b.length < 16 && SMALL_INTEGER.test(a) && SMALL_INTEGER.test(b)) return Math.sign(Number(a) - Number(b));
  const ra = numberRank(a);
  const rb = numberRank(b);
  if (ra !== 0 || rb !== 0) return Math.sign(ra - rb);
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  if (!x || !y) return a < b ? -1 : a > b ? 1 : 0;
  const sx = isZero(x) ? 0 : x.negative ? -1 : 1;
  const sy = isZero(y) ? 0 : y.negative ? -1 : 1;
  if (sx !== sy) return Math.sign(sx - sy);
  if (sx === 0) return 0;
  let magnitude: number;
  if (x.int.length !== y.int.length) magnitude = x.int.length < y.int.length ? -1 : 1;
  else {
    const width = Math.max(x.frac.length, y.frac.length);
    const dx = x.int + x.frac.padEnd(width, '0');
    const dy = y.int + y.frac.padEnd(width, '0');
    magnitude = dx < dy ? -1 : dx > dy ? 1 : 0;
  }
  return sx * magnitude;
}

/** A form of a value under which equal values (1.0 and 1.00) are equal strings: for sets and lookups. */
export function equalityKey(kind: PgType['kind'], value: string): string {
  // Integers and floats are rendered in one canonical form already; numeric keeps its scale.
  if (kind !== 'numeric' || numberRank(value) !== 0) return value;
  const d = parseDecimal(value);
  if (!d) return value;
  return renderDecimal({ ...d, frac: d.frac.replace(/0+$/, '') });
}
