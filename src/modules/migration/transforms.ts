import { createHmac } from 'node:crypto';
import type { TransformSpec } from './definition.ts';
import { DefinitionError, RowRejected } from './errors.ts';
import { CAST_TYPES, catalogType, parseCastType, type PgType } from './pg-types.ts';
import { isValueError, valueCaster } from './values.ts';

/** A column's value on its way from source to target: the text PostgreSQL renders, or null. */
export type Value = string | null;

export interface CompiledTransforms {
  apply: (value: Value) => Value;
  /** The type of the values `apply` returns. */
  output: PgType;
}

const TEXT = catalogType('text');

/** A literal of the definition as the text of `type`; refused at creation when it does not fit. */
export function literalOf(value: string | number | boolean, type: PgType, path: string): string {
  const text = typeof value === 'string' ? value : String(value);
  try {
    return valueCaster(type)(text);
  } catch (e) {
    if (isValueError(e)) throw new DefinitionError(path, `${e.message} (the values here are ${type.name})`);
    throw e;
  }
}

function step(spec: TransformSpec, input: PgType, salt: Buffer, path: string): { fn: (v: Value) => Value; output: PgType } {
  switch (spec.type) {
    case 'cast': {
      const to = parseCastType(spec.to);
      if (!to) throw new DefinitionError(`${path}.to`, `cannot cast to ${JSON.stringify(spec.to)}; cast targets are ${CAST_TYPES}`);
      const cast = valueCaster(to);
      return { fn: (v) => (v === null ? null : cast(v)), output: to };
    }
    case 'trim':
      return { fn: (v) => (v === null ? null : v.trim()), output: input };
    case 'default': {
      const fallback = literalOf(spec.value, input, `${path}.value`);
      return { fn: (v) => (v === null || v === '' ? fallback : v), output: input };
    }
    case 'mask': {
      const keep = spec.keepLast;
      return {
        fn: (v) => {
          if (v === null) return null;
          const chars = [...v];
          const shown = keep === 0 ? [] : chars.slice(-keep);
          return '*'.repeat(chars.length - shown.length) + shown.join('');
        },
        output: TEXT,
      };
    }
    case 'hash':
      return { fn: (v) => (v === null ? null : createHmac('sha256', salt).update(v).digest('hex')), output: TEXT };
    case 'value_map': {
      const map = new Map<string, Value>();
      for (const [from, to] of Object.entries(spec.map)) {
        const key = literalOf(from, input, `${path}.map`);
        map.set(key, to === null ? null : literalOf(to, input, `${path}.map.${from}`));
      }
      return { fn: (v) => (v !== null && map.has(v) ? map.get(v)! : v), output: input };
    }
  }
}

/**
 * Compiles a column's transforms, in order, for values arriving as `input`. A value a step
 * cannot handle (a cast that does not fit) rejects the row with rule `<transform>:<column>`.
 */
export function compileTransforms(
  specs: readonly TransformSpec[],
  input: PgType,
  options: { salt: Buffer; column: string; path: string },
): CompiledTransforms {
  let type = input;
  const steps: Array<(v: Value) => Value> = [];
  specs.forEach((spec, i) => {
    const compiled = step(spec, type, options.salt, `${options.path}[${i}]`);
    const rule = `${spec.type}:${options.column}`;
    const fn = compiled.fn;
    steps.push((v) => {
      try {
        return fn(v);
      } catch (e) {
        if (isValueError(e)) throw new RowRejected(rule, `${options.column}: ${e.message}`);
        throw e;
      }
    });
    type = compiled.output;
  });
  if (steps.length === 0) return { apply: (v) => v, output: type };
  return {
    apply: (value) => {
      let v = value;
      for (const s of steps) v = s(v);
      return v;
    },
    output: type,
  };
}
