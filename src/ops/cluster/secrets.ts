import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Passwords and keys the cluster's members share; generated once into `<cluster dir>/secrets.json`. */
export interface ClusterSecrets {
  postgresSuperuser: string;
  postgresReplication: string;
  postgresRewind: string;
  /** The app's database role `jivs_app`. */
  appDatabase: string;
  redis: string;
  /** The first admin of the cluster's app tier. */
  adminPassword: string;
  jwtSecret: string;
  /** AES-256-GCM key for source credentials, base64. */
  sourceKey: string;
}

export async function loadClusterSecrets(dir: string): Promise<ClusterSecrets> {
  const file = path.join(dir, 'secrets.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as ClusterSecrets;
  } catch {
    const word = () => randomBytes(18).toString('base64url');
    const secrets: ClusterSecrets = {
      postgresSuperuser: word(),
      postgresReplication: word(),
      postgresRewind: word(),
      appDatabase: word(),
      redis: word(),
      adminPassword: `${word()}-${word()}`,
      jwtSecret: randomBytes(32).toString('base64url'),
      sourceKey: randomBytes(32).toString('base64'),
    };
    await writeFile(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
    return secrets;
  }
}
