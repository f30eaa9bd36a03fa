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
  /** The exporters' database role `jivs_monitor` (member of pg_monitor). */
  postgresMonitoring: string;
  redis: string;
  /** The first admin of the cluster's app tier. */
  adminPassword: string;
  jwtSecret: string;
  /** AES-256-GCM key for source credentials, base64. */
  sourceKey: string;
  /** Bearer token Alertmanager sends to the app's alert inbox. */
  alertWebhookToken: string;
}

function generate(): ClusterSecrets {
  const word = () => randomBytes(18).toString('base64url');
  return {
    postgresSuperuser: word(),
    postgresReplication: word(),
    postgresRewind: word(),
    appDatabase: word(),
    postgresMonitoring: word(),
    redis: word(),
    adminPassword: `${word()}-${word()}`,
    jwtSecret: randomBytes(32).toString('base64url'),
    sourceKey: randomBytes(32).toString('base64'),
    alertWebhookToken: randomBytes(32).toString('base64url'),
  };
}

/** The cluster's secrets; ones a newer version added are generated and saved beside the existing ones. */
export async function loadClusterSecrets(dir: string): Promise<ClusterSecrets> {
  const file = path.join(dir, 'secrets.json');
  // No file yet: a new cluster. Any other error (permissions, I/O) must not pass for one.
  const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return '{}';
    throw e;
  });
  let saved: Partial<ClusterSecrets>;
  try {
    saved = JSON.parse(text) as Partial<ClusterSecrets>;
  } catch {
    // Never replace them: the data of the running cluster is locked with these.
    throw new Error(`${file} is not valid JSON; restore it from a backup or wipe the cluster (jivs cluster down --wipe)`);
  }
  const secrets = { ...generate(), ...saved };
  if (Object.keys(secrets).some((k) => !(k in saved))) {
    await writeFile(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  }
  return secrets;
}
