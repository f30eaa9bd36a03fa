import { execFile } from 'node:child_process';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

/** The repository's deploy/ folder: rule files and configuration templates the engines load. */
export const DEPLOY_DIR = path.resolve(import.meta.dirname, '..', '..', '..', '..', 'deploy');

const run = promisify(execFile);

/**
 * Runs an engine's own checker (promtool, amtool) on a rendered file, so a bad rule or template
 * stops `up` with the checker's words instead of a member that never becomes healthy.
 */
export async function checkWith(command: string, args: string[]): Promise<void> {
  try {
    await run(command, args, { timeout: 60_000 });
  } catch (e) {
    const { stdout = '', stderr = '' } = e as { stdout?: string; stderr?: string };
    throw new Error(`${path.basename(command)} ${args.join(' ')} failed:\n${`${stdout}\n${stderr}`.trim()}`, { cause: e });
  }
}

/**
 * Copies a deploy/ file into a member's directory (the engine user may not read the repository,
 * and an edit while the engine runs is not half-loaded on a restart). False when deploy/ has no
 * such file (yet).
 */
export async function copyIfPresent(from: string, to: string): Promise<boolean> {
  try {
    await copyFile(from, to);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}
