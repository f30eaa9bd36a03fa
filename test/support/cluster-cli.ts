import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** What `jivs cluster <args> --json` printed: its exit code, result and error events, and every JSON line. */
export interface ClusterCliRun {
  code: number;
  /** The result event; its shape depends on the command. */
  result?: any;
  error?: string;
  /** The members it started, in order, from its `started <member> ...` steps. */
  started: string[];
  lines: any[];
}

/** Runs `jivs cluster <args> --json` in a process of its own with only `env` (and PATH) set. */
export async function jivsCluster(env: Record<string, string>, ...args: string[]): Promise<ClusterCliRun> {
  const result = await run(process.execPath, [path.join(ROOT, 'bin', 'jivs.js'), 'cluster', ...args, '--json'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    timeout: 400_000,
  }).then(
    (r) => ({ code: 0, stdout: r.stdout }),
    (e: { code?: number; stdout?: string }) => ({ code: e.code ?? 1, stdout: e.stdout ?? '' }),
  );
  const lines = result.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
  return {
    code: result.code,
    result: lines.find((l) => l.event === 'result'),
    error: lines.find((l) => l.event === 'error')?.message,
    started: lines.filter((l) => l.event === 'step' && /^started /.test(l.message)).map((l) => String(l.message).split(' ')[1]!),
    lines,
  };
}
