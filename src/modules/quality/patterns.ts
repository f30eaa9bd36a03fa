/**
 * Pattern inference for profiles, on a sample of a column's values rendered as text: the most
 * common shape (letters → A, digits → 9, everything else kept), and a semantic type guess.
 */

/** Shapes are taken over the first characters only, so one long value cannot dominate memory. */
const SHAPE_LENGTH = 64;
/** Share of the sample a semantic type must match to be reported. */
export const SEMANTIC_SHARE = 0.9;

export function shapeOf(value: string): string {
  const chars = Array.from(value);
  const shape = chars
    .slice(0, SHAPE_LENGTH)
    .map((c) => (/\p{L}/u.test(c) ? 'A' : /\p{Nd}/u.test(c) ? '9' : c))
    .join('');
  return chars.length > SHAPE_LENGTH ? `${shape}…` : shape;
}

export interface Share<T> {
  value: T;
  /** Fraction of the sample, 0..1. */
  share: number;
}

/** The most common shape in the sample (ties: the first seen), or null for an empty sample. */
export function dominantShape(sample: readonly string[]): Share<string> | null {
  const counts = new Map<string, number>();
  for (const value of sample) {
    const shape = shapeOf(value);
    counts.set(shape, (counts.get(shape) ?? 0) + 1);
  }
  let best: [string, number] | undefined;
  for (const entry of counts) if (!best || entry[1] > best[1]) best = entry;
  return best ? { value: best[0], share: best[1] / sample.length } : null;
}

export type SemanticType = 'uuid' | 'email' | 'timestamp' | 'date' | 'integer' | 'decimal' | 'boolean';

// Checked in this order: the first that matches enough of the sample wins, so a column of whole
// numbers is `integer` although every integer also reads as a decimal.
const SEMANTIC: Array<[SemanticType, RegExp]> = [
  ['uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i],
  ['email', /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/],
  ['timestamp', /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s?(Z|[+-]\d{2}(:?\d{2})?)?$/i],
  ['date', /^\d{4}-\d{2}-\d{2}$/],
  ['integer', /^[+-]?\d+$/],
  ['decimal', /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/],
  ['boolean', /^(true|false|t|f)$/i],
];

/** The semantic type at least SEMANTIC_SHARE of the sample matches, or null. */
export function guessSemanticType(sample: readonly string[]): Share<SemanticType> | null {
  if (sample.length === 0) return null;
  for (const [type, pattern] of SEMANTIC) {
    const share = sample.filter((v) => pattern.test(v.trim())).length / sample.length;
    if (share >= SEMANTIC_SHARE) return { value: type, share };
  }
  return null;
}
