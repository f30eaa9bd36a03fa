/**
 * JavaScript regular expressions backtrack, so a pattern such as `(a+)+$` takes exponential
 * time on a crafted value and would stall a worker. Patterns are therefore refused when they
 * repeat a group that itself holds an unbounded repetition (star height above one), or when they
 * use backreferences. Alternatives with overlapping branches inside a repeated group, e.g.
 * `(a|a)*`, are not detected.
 */

interface Group {
  /** An unbounded quantifier (*, +, {n,}) occurs inside this group. */
  unbounded: boolean;
}

/** Reads a quantifier at `i`; returns its length and whether it repeats more than once, or undefined. */
function quantifierAt(pattern: string, i: number): { length: number; repeats: boolean; unbounded: boolean } | undefined {
  const c = pattern[i];
  if (c === '*' || c === '+') return { length: 1, repeats: true, unbounded: true };
  if (c === '?') return { length: 1, repeats: false, unbounded: false };
  if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
    if (!m) return undefined;
    const unbounded = m[2] !== undefined && m[3] === '';
    const max = unbounded ? Infinity : Number(m[3] ?? m[1]);
    return { length: m[0].length, repeats: max > 1, unbounded };
  }
  return undefined;
}

/** Why a pattern is refused, or undefined when it is acceptable. */
export function unsafePatternReason(pattern: string): string | undefined {
  const stack: Group[] = [{ unbounded: false }];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    let closed: Group | undefined;
    if (c === '(') {
      stack.push({ unbounded: false });
      i++;
      continue;
    } else if (c === '|') {
      i++;
      continue;
    } else if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (/[1-9]/.test(next) || next === 'k') return 'backreferences are not supported';
      i += 2;
    } else if (c === '[') {
      // A character class is one atom; quantifier characters inside it are literals.
      i++;
      if (pattern[i] === '^') i++;
      if (pattern[i] === ']') i++;
      while (i < pattern.length && pattern[i] !== ']') i += pattern[i] === '\\' ? 2 : 1;
      i++;
    } else if (c === ')') {
      closed = stack.length > 1 ? stack.pop()! : { unbounded: false };
      i++;
    } else {
      i++;
    }
    const q = quantifierAt(pattern, i);
    const top = stack.at(-1)!;
    if (closed) {
      if (closed.unbounded && q?.repeats) {
        return 'a repeated group contains an unbounded repetition (like (a+)+), which can take exponential time';
      }
      top.unbounded ||= closed.unbounded;
    }
    if (q) {
      top.unbounded ||= q.unbounded;
      i += q.length;
      if (pattern[i] === '?') i++;
    }
  }
  return undefined;
}
