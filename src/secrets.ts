import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from './config/schema.ts';
import { ConfigError } from './config/load.ts';
import type { Secrets } from './context.ts';

/** Reads a generated secret from the data directory, creating it (mode 0600) on first start. */
async function generatedSecret(dataDir: string, name: string, bytes: number): Promise<Buffer> {
  const file = path.join(path.resolve(dataDir), 'secrets', name);
  try {
    return Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
  } catch {
    const value = randomBytes(bytes);
    await mkdir(path.resolve(dataDir), { recursive: true, mode: 0o755 });
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    // flag wx: when another instance wins the race to create it, use its value.
    await writeFile(file, value.toString('base64') + '\n', { mode: 0o600, flag: 'wx' }).catch(() => undefined);
    return Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');
  }
}

/**
 * Key material from config, or generated once into `<dataDir>/secrets` (fine for one embedded
 * instance; a cluster sets JIVS_AUTH_JWT_SECRET and JIVS_SECRETS_KEY so all instances agree).
 */
export async function loadSecrets(config: Config): Promise<Secrets> {
  const jwtKey = config.auth.jwtSecret
    ? new Uint8Array(Buffer.from(config.auth.jwtSecret, 'utf8'))
    : new Uint8Array(await generatedSecret(config.dataDir, 'jwt-secret', 48));
  let sourceKey: Buffer;
  if (config.secretsKey) {
    sourceKey = Buffer.from(config.secretsKey, 'base64');
    if (sourceKey.length !== 32) {
      throw new ConfigError(
        `JIVS_SECRETS_KEY (secretsKey): must be 32 bytes encoded as base64 (got ${sourceKey.length} bytes); ` +
          'generate one with: openssl rand -base64 32',
      );
    }
  } else {
    sourceKey = await generatedSecret(config.dataDir, 'source-credentials-key', 32);
  }
  return { jwtKey, sourceKey };
}
