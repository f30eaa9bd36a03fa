import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DEPLOY_DIR } from '../ops/cluster/engines/deploy.ts';
import { queryMetrics } from './promql.ts';

/** Where the Prometheus rules live: `rules/<tier>.yml`, `recording.yml`, `tests/*.yml`. */
export const PROMETHEUS_DIR = path.join(DEPLOY_DIR, 'prometheus');

/**
 * Metrics the rules and dashboards read that the running system does not export yet, with the
 * reason: live checks let a query over only these come back empty (`notYetExported` in
 * dashboards.ts), and the live dashboard test fails once the app exports one still listed.
 */
export const NOT_YET_EXPORTED: Readonly<Record<string, string>> = {
  backup_last_success_timestamp_seconds: 'backups do not exist yet (a later issue)',
  backup_duration_seconds: 'backups do not exist yet (a later issue)',
  backup_size_bytes: 'backups do not exist yet (a later issue)',
  backup_failures_total: 'backups do not exist yet (a later issue)',
};

const labels = z.record(z.string(), z.string());
const alertingRule = z.strictObject({
  alert: z.string().min(1),
  expr: z.string().min(1),
  for: z.string().optional(),
  labels: labels.optional(),
  annotations: labels.optional(),
});
const recordingRule = z.strictObject({ record: z.string().min(1), expr: z.string().min(1), labels: labels.optional() });
const ruleFile = z.strictObject({
  groups: z.array(
    z.strictObject({
      name: z.string().min(1),
      interval: z.string().optional(),
      rules: z.array(z.union([alertingRule, recordingRule])),
    }),
  ),
});

export type RuleFile = z.infer<typeof ruleFile>;

/** One alerting rule with where it is defined. */
export interface Alert {
  name: string;
  expr: string;
  for: string | undefined;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  group: string;
  file: string;
}

/** One recording rule with where it is defined. */
export interface Recording {
  name: string;
  expr: string;
  group: string;
  file: string;
}

/** Reads and validates one Prometheus rule file. */
export async function loadRuleFile(file: string): Promise<RuleFile> {
  const parsed = ruleFile.safeParse(parseYaml(await readFile(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file} is not a Prometheus rule file: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** The rule files of the repository: the tier files (sorted) and the recording rules. */
export async function ruleFiles(dir = PROMETHEUS_DIR): Promise<{ alerting: string[]; recording: string }> {
  const names = (await readdir(path.join(dir, 'rules'))).filter((f) => f.endsWith('.yml')).sort();
  return { alerting: names.map((f) => path.join(dir, 'rules', f)), recording: path.join(dir, 'recording.yml') };
}

/** Every alerting and recording rule of the given files, in file order. */
export async function loadRules(files: string[]): Promise<{ alerts: Alert[]; recordings: Recording[] }> {
  const alerts: Alert[] = [];
  const recordings: Recording[] = [];
  for (const file of files) {
    for (const group of (await loadRuleFile(file)).groups) {
      for (const rule of group.rules) {
        if ('alert' in rule) {
          alerts.push({
            name: rule.alert,
            expr: rule.expr,
            for: rule.for,
            labels: rule.labels ?? {},
            annotations: rule.annotations ?? {},
            group: group.name,
            file,
          });
        } else {
          recordings.push({ name: rule.record, expr: rule.expr, group: group.name, file });
        }
      }
    }
  }
  return { alerts, recordings };
}

/**
 * The scraped metrics behind an expression: recorded series (names produced by the given
 * recording rules) are replaced, recursively, by the metrics their rules read.
 */
export function scrapedMetricsUsedBy(expr: string, recordings: ReadonlyArray<Pick<Recording, 'name' | 'expr'>>): string[] {
  const byName = new Map(recordings.map((r) => [r.name, r.expr]));
  const scraped = new Set<string>();
  const visit = (e: string, seen: Set<string>) => {
    for (const name of queryMetrics(e)) {
      const recorded = byName.get(name);
      if (recorded === undefined) scraped.add(name);
      else if (!seen.has(name)) visit(recorded, new Set([...seen, name]));
    }
  };
  visit(expr, new Set());
  return [...scraped].sort();
}
