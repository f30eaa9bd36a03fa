/**
 * What a column's type allows, read from the type name the archive catalogue records (the output
 * of PostgreSQL's `format_type`, e.g. `numeric(38,18)`, `timestamp(3) with time zone`,
 * `character varying(20)`, `integer[]`). Rules use it to refuse an unsuitable column at creation,
 * and the profiler to choose which statistics a column has.
 */
export type TypeFamily =
  | 'numeric'
  | 'date'
  | 'timestamp'
  | 'timestamptz'
  | 'time'
  | 'interval'
  | 'text'
  | 'boolean'
  | 'uuid'
  | 'bytea'
  | 'jsonb'
  | 'json'
  | 'array'
  | 'other';

const FAMILIES: Record<string, TypeFamily> = {
  smallint: 'numeric',
  integer: 'numeric',
  bigint: 'numeric',
  numeric: 'numeric',
  real: 'numeric',
  'double precision': 'numeric',
  date: 'date',
  'timestamp without time zone': 'timestamp',
  'timestamp with time zone': 'timestamptz',
  'time without time zone': 'time',
  'time with time zone': 'time',
  interval: 'interval',
  text: 'text',
  'character varying': 'text',
  character: 'text',
  '"char"': 'text',
  name: 'text',
  boolean: 'boolean',
  uuid: 'uuid',
  bytea: 'bytea',
  jsonb: 'jsonb',
  json: 'json',
};

export function typeFamily(type: string): TypeFamily {
  const name = type.trim().toLowerCase();
  if (name.endsWith('[]')) return 'array';
  // Type modifiers sit after the name (`numeric(10,2)`) or inside it (`timestamp(3) with time zone`).
  const base = name.replace(/\s*\(\s*\d+(\s*,\s*-?\d+)?\s*\)/g, '').replace(/\s+/g, ' ');
  return FAMILIES[base] ?? 'other';
}

/** Families with an ordering that min/max and range comparisons mean something for. */
const ORDERED = new Set<TypeFamily>(['numeric', 'date', 'timestamp', 'timestamptz', 'time', 'interval', 'text']);
export const isOrdered = (family: TypeFamily) => ORDERED.has(family);

/** Families compared by value for distinct counts and grouping; the rest (json, arrays, ...) by their text. */
const BY_VALUE = new Set<TypeFamily>([...ORDERED, 'boolean', 'uuid', 'bytea', 'jsonb']);
export const comparesByValue = (family: TypeFamily) => BY_VALUE.has(family);

/**
 * The type a range bound is cast to, per family: one of our own constants, never text from the
 * catalogue, so no type name from outside reaches SQL. Integers compare with numeric bounds so a
 * bound of 1.5 on an integer column means what it says.
 */
export const RANGE_CAST = {
  numeric: 'numeric',
  date: 'date',
  timestamp: 'timestamp',
  timestamptz: 'timestamptz',
} as const satisfies Partial<Record<TypeFamily, string>>;

export type RangeFamily = keyof typeof RANGE_CAST;
export const isRangeFamily = (family: TypeFamily): family is RangeFamily => family in RANGE_CAST;

/** Families whose newest value has an age. */
export const isPointInTime = (family: TypeFamily) =>
  family === 'date' || family === 'timestamp' || family === 'timestamptz';
