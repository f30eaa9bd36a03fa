import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isAlive } from './processes.ts';

/** What `up` started: member name → PID. `down` stops exactly these. */
export interface ClusterState {
  members: Record<string, { pid: number; startedAt: string }>;
}

const stateFile = (dir: string) => path.join(dir, 'state.json');
const lockFile = (dir: string) => path.join(dir, 'cluster.lock');

export async function readState(dir: string): Promise<ClusterState> {
  try {
    return JSON.parse(await readFile(stateFile(dir), 'utf8')) as ClusterState;
  } catch {
    return { members: {} };
  }
}

export async function writeState(dir: string, state: ClusterState): Promise<void> {
  await writeFile(stateFile(dir), JSON.stringify(state, null, 2) + '\n');
}

/** Raised when another `jivs cluster` command holds the cluster. */
export class ClusterBusyError extends Error {
  readonly isClusterBusy = true;
}

/**
 * Holds the cluster for one command at a time (a second concurrent `up` or `down` is refused,
 * naming the holder). A lock left by a process that died is taken over.
 */
export async function withClusterLock<T>(dir: string, what: string, fn: () => Promise<T>): Promise<T> {
  const file = lockFile(dir);
  const mine = JSON.stringify({ pid: process.pid, what, since: new Date().toISOString() });
  try {
    await writeFile(file, mine, { flag: 'wx' });
  } catch {
    const holder = JSON.parse(await readFile(file, 'utf8').catch(() => '{}')) as { pid?: number; what?: string; since?: string };
    if (await isAlive(holder.pid)) {
      throw new ClusterBusyError(
        `another jivs cluster command (${holder.what ?? '?'}, pid ${holder.pid}, since ${holder.since ?? '?'}) is working on this cluster; wait for it to finish`,
      );
    }
    await writeFile(file, mine);
  }
  try {
    return await fn();
  } finally {
    await rm(file, { force: true });
  }
}
