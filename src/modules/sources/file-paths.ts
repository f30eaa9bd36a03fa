import { mkdirSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../../config/schema.ts';
import { badRequest } from '../../http/errors.ts';

/** The directory file sources must live under, created (at start-up) when missing. */
export function ensureFileRoot(config: Config): string {
  const root = path.resolve(config.sources.fileRoot ?? path.join(config.dataDir, 'files'));
  try {
    mkdirSync(root, { recursive: true });
  } catch (e) {
    throw new Error(`cannot create the file source directory ${root} (sources.fileRoot): ${(e as Error).message}`, { cause: e });
  }
  return root;
}

const isInside = (dir: string, candidate: string) => candidate.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);

/**
 * The real absolute path of `relative` under `root`, which must be a regular file whose real
 * location (symbolic links followed) is inside the real root. Called at creation and again at
 * every use, so a link swapped in later cannot lead a source outside the root.
 */
export async function resolveConfinedPath(root: string, relative: string): Promise<string> {
  if (relative.includes('\0')) throw badRequest(`path ${JSON.stringify(relative)} contains a NUL character`);
  if (relative === '' || path.isAbsolute(relative)) {
    throw badRequest(`path escapes the file root: ${JSON.stringify(relative)} must be relative to the file root`);
  }
  if (relative.split(/[\\/]/).includes('..')) {
    throw badRequest(`path escapes the file root: ${JSON.stringify(relative)} must not contain '..'`);
  }
  const realRoot = await realpath(root);
  let real: string;
  try {
    real = await realpath(path.join(realRoot, relative));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') {
      throw badRequest(`${JSON.stringify(relative)} under the file root cannot be read by the service (permission denied)`);
    }
    // ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG: nothing usable by that name.
    throw badRequest(`no such file under the file root: ${JSON.stringify(relative)}`);
  }
  if (!isInside(realRoot, real)) {
    throw badRequest(`path escapes the file root: ${JSON.stringify(relative)} leads outside it through a symbolic link`);
  }
  if (!(await stat(real)).isFile()) {
    throw badRequest(`${JSON.stringify(relative)} under the file root is not a regular file`);
  }
  return real;
}
