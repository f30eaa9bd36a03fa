import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isHttpError } from '../../http/errors.ts';
import { resolveConfinedPath } from './file-paths.ts';

describe('resolveConfinedPath', () => {
  let dir: string;
  let root: string;

  before(async () => {
    dir = await realpath(await mkdtemp(path.join(tmpdir(), 'jivs-paths-')));
    root = path.join(dir, 'root');
    await mkdir(path.join(root, 'sub'), { recursive: true });
    await writeFile(path.join(root, 'data.csv'), 'a,b\n');
    await writeFile(path.join(root, 'sub', 'nested.ndjson'), '{}\n');
    await writeFile(path.join(dir, 'outside.csv'), 'secret\n');
    await symlink(path.join(dir, 'outside.csv'), path.join(root, 'escape.csv'));
    await symlink(dir, path.join(root, 'escape-dir'));
    await symlink(path.join(root, 'data.csv'), path.join(root, 'inside-link.csv'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const rejects = (relative: string, message: RegExp) =>
    assert.rejects(resolveConfinedPath(root, relative), (e: unknown) => {
      assert.ok(isHttpError(e));
      assert.equal(e.status, 400);
      assert.match(e.message, message);
      return true;
    });

  it('resolves files under the root, also through links that stay inside', async () => {
    assert.equal(await resolveConfinedPath(root, 'data.csv'), path.join(root, 'data.csv'));
    assert.equal(await resolveConfinedPath(root, 'sub/nested.ndjson'), path.join(root, 'sub', 'nested.ndjson'));
    assert.equal(await resolveConfinedPath(root, './sub//nested.ndjson'), path.join(root, 'sub', 'nested.ndjson'));
    assert.equal(await resolveConfinedPath(root, 'inside-link.csv'), path.join(root, 'data.csv'));
  });

  it('accepts a root that is itself reached through a link', async () => {
    const linkedRoot = path.join(dir, 'linked-root');
    await symlink(root, linkedRoot);
    assert.equal(await resolveConfinedPath(linkedRoot, 'data.csv'), path.join(root, 'data.csv'));
  });

  it('refuses traversal and absolute paths', async () => {
    await rejects('../outside.csv', /path escapes the file root/);
    await rejects('../../etc/passwd', /path escapes the file root/);
    await rejects('sub/../../outside.csv', /path escapes the file root/);
    await rejects('sub\\..\\..\\outside.csv', /path escapes the file root/);
    await rejects('/etc/passwd', /path escapes the file root/);
    await rejects(path.join(dir, 'outside.csv'), /path escapes the file root/);
  });

  it('refuses symbolic links that lead outside the root', async () => {
    await rejects('escape.csv', /path escapes the file root/);
    await rejects('escape-dir/outside.csv', /path escapes the file root/);
  });

  it('refuses NUL, missing files and directories', async () => {
    await rejects('data.csv\0.txt', /NUL/);
    await rejects('missing.csv', /no such file under the file root/);
    await rejects('data.csv/below', /no such file under the file root/);
    await rejects('sub', /not a regular file/);
  });
});
