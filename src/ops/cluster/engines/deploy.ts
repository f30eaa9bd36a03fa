import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

/** The repository's deploy/ folder: rule files and configuration templates the engines load. */
export const DEPLOY_DIR = path.resolve(import.meta.dirname, '..', '..', '..', '..', 'deploy');

const run = promisify(execFile);

/** How a tool run ended: exit status 0 or not, everything it printed, and the failure if any. */
export interface ToolRun {
  ok: boolean;
  /** Standard output, then standard error. */
  output: string;
  error?: unknown;
}

/** Runs `command` to its end (at most a minute); never throws for a failing tool, only reports it. */
export async function runTool(command: string, args: string[]): Promise<ToolRun> {
  try {
    const { stdout, stderr } = await run(command, args, { timeout: 60_000 });
    return { ok: true, output: `${stdout}\n${stderr}`.trim() };
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${stdout}\n${stderr}`.trim(), error };
  }
}

/**
 * Runs an engine's own checker (promtool, amtool) on a rendered file, so a bad rule or template
 * stops `up` with the checker's words instead of a member that never becomes healthy.
 */
export async function checkWith(command: string, args: string[]): Promise<void> {
  const { ok, output, error } = await runTool(command, args);
  if (!ok) throw new Error(`${path.basename(command)} ${args.join(' ')} failed:\n${output}`, { cause: error });
}
