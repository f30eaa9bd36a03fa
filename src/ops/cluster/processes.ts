import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { OsIdentity } from '../os-user.ts';

/** True when `pid` is a live process (not a zombie). */
export async function isAlive(pid: number | undefined): Promise<boolean> {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return !/^\d+ \(.*\) Z /.test(stat);
}

/**
 * Starts a long-running process detached from us (its own session), output appended to
 * `logFile`, optionally as another OS user. Returns its PID.
 */
export function launch(
  command: string,
  args: string[],
  options: { cwd: string; logFile: string; env?: Record<string, string>; identity?: OsIdentity },
): number {
  const out = openSync(options.logFile, 'a');
  try {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', ...options.env },
      stdio: ['ignore', out, out],
      detached: true,
      ...(options.identity ? { uid: options.identity.uid, gid: options.identity.gid } : {}),
    });
    if (!child.pid) throw new Error(`could not start ${command}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(out);
  }
}

/**
 * Sends `signal` and waits up to `graceMs` for the process to go: 'exited' when it did (or was
 * gone already), 'killed' when it had to be SIGKILLed after the grace.
 */
export async function stopProcess(pid: number, signal: NodeJS.Signals = 'SIGTERM', graceMs = 30_000): Promise<'exited' | 'killed'> {
  if (!(await isAlive(pid))) return 'exited';
  try {
    process.kill(pid, signal);
  } catch {
    return 'exited';
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!(await isAlive(pid))) return 'exited';
    await sleep(100);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone between the last check and the kill
    return 'exited';
  }
  return 'killed';
}
