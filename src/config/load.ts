import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import { configSchema, type Config } from './schema.ts';

/** Raised when a setting is missing or invalid; the message names every bad setting. */
export class ConfigError extends Error {
  readonly isConfigError = true;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

export const isConfigError = (e: unknown): e is ConfigError =>
  e instanceof Error && (e as Partial<ConfigError>).isConfigError === true;

type LeafKind = 'string' | 'number' | 'boolean' | 'list';
interface Leaf {
  path: string[];
  env: string;
  kind: LeafKind;
}

/** Peels defaults, optionals and refinements off a schema node. */
function unwrap(schema: z.ZodType): z.ZodType {
  let node: z.ZodType = schema;
  for (;;) {
    if (node instanceof z.ZodDefault || node instanceof z.ZodOptional || node instanceof z.ZodPrefault) {
      node = node.unwrap() as z.ZodType;
    } else if (node instanceof z.ZodPipe) {
      node = node.in as z.ZodType;
    } else {
      return node;
    }
  }
}

/** Every leaf of the schema with its environment variable name. */
export function configLeaves(schema: z.ZodType = configSchema, path: string[] = []): Leaf[] {
  const node = unwrap(schema);
  if (node instanceof z.ZodObject) {
    return Object.entries(node.shape as Record<string, z.ZodType>).flatMap(([key, child]) =>
      configLeaves(child, [...path, key]),
    );
  }
  const env = 'JIVS_' + path.map((p) => p.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()).join('_');
  const kind: LeafKind =
    node instanceof z.ZodNumber
      ? 'number'
      : node instanceof z.ZodBoolean
        ? 'boolean'
        : node instanceof z.ZodArray
          ? 'list'
          : 'string';
  return [{ path, env, kind }];
}

function fromEnvString(raw: string, kind: LeafKind): unknown {
  switch (kind) {
    case 'number':
      return raw.trim() === '' ? raw : Number(raw);
    case 'boolean':
      return ({ true: true, '1': true, yes: true, false: false, '0': false, no: false } as Record<string, boolean>)[
        raw.trim().toLowerCase()
      ] ?? raw;
    case 'list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
    default:
      return raw;
  }
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new ConfigError(`JIVS_CONFIG_FILE: cannot read ${file}: ${(cause as Error).message}`, { cause });
  }
  try {
    const parsed: unknown = parseYaml(text);
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the top level must be a mapping');
    return parsed as Record<string, unknown>;
  } catch (cause) {
    throw new ConfigError(`JIVS_CONFIG_FILE: ${file} is not valid YAML/JSON: ${(cause as Error).message}`, { cause });
  }
}

/**
 * Builds the configuration from an optional YAML/JSON file (`JIVS_CONFIG_FILE`) overlaid with
 * `JIVS_*` environment variables, and validates it. Unknown `JIVS_*` variables are refused so a
 * typo never silently falls back to a default.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Record<string, unknown> = {}): Config {
  const raw: Record<string, unknown> = env.JIVS_CONFIG_FILE ? readConfigFile(env.JIVS_CONFIG_FILE) : {};
  const leaves = configLeaves();
  const known = new Set(leaves.map((l) => l.env).concat('JIVS_CONFIG_FILE'));
  const unknown = Object.keys(env).filter((k) => k.startsWith('JIVS_') && !known.has(k));
  if (unknown.length > 0) {
    throw new ConfigError(
      `unknown setting${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; see the configuration reference in README.md`,
    );
  }
  for (const leaf of leaves) {
    const value = env[leaf.env];
    if (value !== undefined) setPath(raw, leaf.path, fromEnvString(value, leaf.kind));
  }
  for (const [dotted, value] of Object.entries(overrides)) setPath(raw, dotted.split('.'), value);

  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const byPath = new Map(leaves.map((l) => [l.path.join('.'), l.env]));
    const lines = result.error.issues.map((issue) => {
      const dotted = issue.path.map(String).join('.');
      const envName = byPath.get(dotted) ?? byPath.get(issue.path.slice(0, -1).map(String).join('.'));
      const name = envName ? `${envName} (${dotted})` : dotted || '(root)';
      return `  ${name}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}
