import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../observability/logger.ts';

const execFileAsync = promisify(execFile);

export interface OsIdentity {
  uid: number;
  gid: number;
  name: string;
}

/**
 * Engines run unprivileged (PostgreSQL refuses root). When we are root they run as `osUser`, a
 * system user created on first use; otherwise as ourselves (undefined).
 */
export async function serviceIdentity(osUser: string, log: Logger): Promise<OsIdentity | undefined> {
  if (userInfo().uid !== 0) return undefined;
  const lookup = async () => {
    const { stdout } = await execFileAsync('id', ['-u', osUser]);
    const { stdout: gid } = await execFileAsync('id', ['-g', osUser]);
    return { uid: Number(stdout.trim()), gid: Number(gid.trim()), name: osUser };
  };
  try {
    return await lookup();
  } catch {
    log.info({ os_user: osUser }, `creating unprivileged system user ${osUser} for the engines`);
    try {
      await execFileAsync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', osUser]);
    } catch (cause) {
      throw new Error(
        `engines cannot run as root and the system user ${osUser} could not be created: ` +
          `${(cause as Error).message.trim()}. Create it yourself or set JIVS_EMBEDDED_OS_USER to an existing unprivileged user`,
        { cause },
      );
    }
    return lookup();
  }
}

/** Refuses early, with the fix, when an engine's user could not reach its directory. */
export async function checkTraversable(dir: string, identity: OsIdentity): Promise<void> {
  for (let current = dir; ; current = path.dirname(current)) {
    const info = await stat(current);
    const canTraverse =
      info.uid === identity.uid ? (info.mode & 0o100) !== 0 : info.gid === identity.gid ? (info.mode & 0o010) !== 0 : (info.mode & 0o001) !== 0;
    if (!canTraverse) {
      throw new Error(
        `the engines run as ${identity.name}, which cannot enter ${current} (mode ${(info.mode & 0o777).toString(8)}); ` +
          `allow it (chmod o+x ${current}) or set JIVS_DATA_DIR to a directory it can reach`,
      );
    }
    if (current === path.dirname(current)) return;
  }
}
