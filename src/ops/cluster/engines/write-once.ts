import { writeFile } from 'node:fs/promises';

/**
 * Writes an engine's configuration file only when it does not exist yet, for engines that
 * rewrite their own file later (Redis, Sentinel): resolves true when the file was already there.
 */
export async function writeOnce(file: string, content: () => string): Promise<boolean> {
  try {
    await writeFile(file, content(), { mode: 0o600, flag: 'wx' });
    return false;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return true;
    throw e;
  }
}
