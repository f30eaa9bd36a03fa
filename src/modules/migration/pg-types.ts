/**
 * PostgreSQL types as the migration engine sees them. A value travels as the text PostgreSQL
 * renders for its type (COPY text format); the engine must know, per type, how to validate a
 * value, how to order it, and whether a value of one type loads into a column of another
 * unchanged — because the verify phase compares what was sent with what the target renders.
 */

/** How values of a type are validated and ordered. `other`: only passed through unchanged. */
export type TypeKind =
  | 'text'
  | 'integer'
  | 'numeric'
  | 'float'
  | 'boolean'
  | 'date'
  | 'timestamp'
  | 'timestamptz'
  | 'json'
  | 'uuid'
  | 'other';

export interface PgType {
  /** The name as PostgreSQL's format_type() writes it, e.g. `numeric(10,2)`; safe to put in DDL when `castable`. */
  name: string;
  kind: TypeKind;
  /** The engine can validate and render values of this type exactly as PostgreSQL does (the cast whitelist). */
  castable: boolean;
  /** Integer width in bits (16, 32, 64) or float width (32, 64). */
  bits?: number;
  /** numeric(p,s) and varchar(n) and timestamp(p) modifiers. */
  precision?: number;
  scale?: number;
  length?: number;
}

const CASTABLE_NAMES = [
  'text',
  'varchar(n)',
  'smallint',
  'integer',
  'bigint',
  'numeric',
  'numeric(p,s)',
  'real',
  'double precision',
  'boolean',
  'date',
  'timestamp',
  'timestamptz',
  'json',
  'jsonb',
  'uuid',
];

/** The cast targets, for messages. */
export const CAST_TYPES = CASTABLE_NAMES.join(', ');

const ALIASES: Record<string, string> = {
  int: 'integer',
  int4: 'integer',
  integer: 'integer',
  int2: 'smallint',
  smallint: 'smallint',
  int8: 'bigint',
  bigint: 'bigint',
  decimal: 'numeric',
  numeric: 'numeric',
  float4: 'real',
  real: 'real',
  float: 'double precision',
  float8: 'double precision',
  'double precision': 'double precision',
  text: 'text',
  varchar: 'character varying',
  'character varying': 'character varying',
  bool: 'boolean',
  boolean: 'boolean',
  date: 'date',
  timestamptz: 'timestamp with time zone',
  'timestamp with time zone': 'timestamp with time zone',
  timestamp: 'timestamp without time zone',
  'timestamp without time zone': 'timestamp without time zone',
  json: 'json',
  jsonb: 'jsonb',
  uuid: 'uuid',
};

const fixed = (name: string, kind: TypeKind, bits?: number): PgType => ({ name, kind, castable: true, ...(bits ? { bits } : {}) });

function known(base: string, mods: number[]): PgType | undefined {
  const [a, b] = mods;
  switch (base) {
    case 'smallint':
      return mods.length === 0 ? fixed(base, 'integer', 16) : undefined;
    case 'integer':
      return mods.length === 0 ? fixed(base, 'integer', 32) : undefined;
    case 'bigint':
      return mods.length === 0 ? fixed(base, 'integer', 64) : undefined;
    case 'real':
      return mods.length === 0 ? fixed(base, 'float', 32) : undefined;
    case 'double precision':
      return mods.length === 0 ? fixed(base, 'float', 64) : undefined;
    case 'numeric': {
      if (mods.length === 0) return fixed('numeric', 'numeric');
      const scale = b ?? 0;
      if (mods.length > 2 || a! < 1 || a! > 1000 || scale > a!) return undefined;
      return { name: `numeric(${a},${scale})`, kind: 'numeric', castable: true, precision: a!, scale };
    }
    case 'character varying':
      if (mods.length === 0) return fixed(base, 'text');
      if (mods.length > 1 || a! < 1 || a! > 10_485_760) return undefined;
      return { name: `character varying(${a})`, kind: 'text', castable: true, length: a! };
    case 'timestamp with time zone':
    case 'timestamp without time zone': {
      const kind = base === 'timestamp with time zone' ? 'timestamptz' : 'timestamp';
      if (mods.length === 0) return fixed(base, kind);
      if (mods.length > 1 || a! > 6) return undefined;
      return { name: base.replace('timestamp', `timestamp(${a})`), kind, castable: true, precision: a! };
    }
    case 'text':
    case 'boolean':
    case 'date':
    case 'json':
    case 'jsonb':
    case 'uuid':
      return mods.length === 0 ? fixed(base, base === 'jsonb' ? 'json' : base) : undefined;
    default:
      return undefined;
  }
}

/**
 * A cast target or column type written by a user, in any common spelling (`int`, `varchar(20)`,
 * `timestamptz`, `decimal(12,2)`); undefined when it is not on the whitelist.
 */
export function parseCastType(text: string): PgType | undefined {
  const t = text.trim().toLowerCase().replace(/\s+/g, ' ').replace(/\s*\(\s*/g, '(').replace(/\s*,\s*/g, ',').replace(/\s*\)/g, ')');
  // timestamp(3) with time zone, timestamptz(3), numeric(10,2), varchar(20)
  const m = /^([a-z0-9 ]+?)(?:\((\d{1,8})(?:,(\d{1,8}))?\))?( with time zone| without time zone)?$/.exec(t);
  if (!m) return undefined;
  const base = ALIASES[`${m[1]}${m[4] ?? ''}`];
  if (!base) return undefined;
  const mods = [m[2], m[3]].filter((x): x is string => x !== undefined).map(Number);
  return known(base, mods);
}

/** A column type as the catalog names it (format_type); types off the whitelist become kind `other`. */
export function catalogType(formatted: string): PgType {
  return parseCastType(formatted) ?? { name: formatted, kind: 'other', castable: false };
}

const INT_ORDER = [16, 32, 64];

/**
 * Whether values of type `from`, as PostgreSQL renders them, load into a column of type `to`
 * and render back identically (the verify phase depends on it). Anything else needs a cast.
 */
export function loadsUnchanged(from: PgType, to: PgType): boolean {
  if (from.name === to.name) return true;
  if (to.kind === 'text') return true;
  if (from.kind === 'json' && to.kind === 'json') return true;
  if (from.kind === 'integer' && to.kind === 'integer') return INT_ORDER.indexOf(from.bits!) <= INT_ORDER.indexOf(to.bits!);
  if (to.name === 'numeric') return from.kind === 'integer' || from.kind === 'numeric';
  if (from.kind === 'numeric' && to.kind === 'numeric' && from.scale !== undefined) {
    return from.scale === to.scale && from.precision! - from.scale <= to.precision! - to.scale;
  }
  if (from.kind === 'float' && to.kind === 'float') return from.bits! <= to.bits!;
  return false;
}

/** Kinds whose values have an order (range rules, `<` in expressions). */
export const isOrdered = (t: PgType) => !['json', 'other'].includes(t.kind);

/** Whether values of two types can be compared with each other. */
export function comparable(a: PgType, b: PgType): boolean {
  const numeric = (t: PgType) => t.kind === 'integer' || t.kind === 'numeric' || t.kind === 'float';
  if (numeric(a) && numeric(b)) return true;
  if (a.kind === 'other' || b.kind === 'other') return a.name === b.name;
  return a.kind === b.kind;
}
