import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/data/embedded-postgres.ts';
import { createLogger } from '../../src/observability/logger.ts';

/**
 * One real PostgreSQL server for the whole test run (node --test-global-setup). Each test
 * creates databases of its own on it, so test files run in parallel without sharing state.
 */
let server: EmbeddedPostgres | undefined;
let dir: string | undefined;

export async function globalSetup(): Promise<void> {
  dir = await mkdtemp(path.join(tmpdir(), 'jivs-test-'));
  const { chmod } = await import('node:fs/promises');
  await chmod(dir, 0o755);
  const port = 55_000 + Math.floor(Math.random() * 4000);
  server = await startEmbeddedPostgres({ dataDir: dir, port, osUser: 'jivs', log: createLogger('warn') });
  process.env.JIVS_TEST_ADMIN_DSN = server.dsn('postgres');
}

export async function globalTeardown(): Promise<void> {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}
