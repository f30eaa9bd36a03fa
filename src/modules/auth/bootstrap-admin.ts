import { randomBytes } from 'node:crypto';
import { ConfigError } from '../../config/load.ts';
import type { AppContext } from '../../context.ts';
import { sqlFiles } from '../../data/sql.ts';
import { named } from '../../observability/logger.ts';
import { checkPasswordPolicy } from './password-policy.ts';
import { hashPassword } from './passwords.ts';
import { USERNAME, USERNAME_RULE } from './schemas.ts';

const sql = sqlFiles(import.meta.dirname, ['lock-admin-bootstrap', 'admin-exists', 'insert-user']);

// Any constant works; it only has to be the same in every instance and differ from other locks.
const BOOTSTRAP_LOCK = 7_316_202_612;

function generatePassword(username: string): string {
  for (;;) {
    // 144 random bits; the policy check only guards against the absurd case of containing the username.
    const password = randomBytes(18).toString('base64url');
    if (!checkPasswordPolicy(password, username)) return password;
  }
}

/**
 * Creates the first admin when no admin exists: `auth.adminUsername` with `auth.adminPassword`,
 * or with a generated password that is returned so the CLI can show it once. Instances starting
 * together serialise on an advisory lock, so exactly one creates it.
 */
export async function ensureAdmin(
  ctx: AppContext,
): Promise<{ username: string; generatedPassword?: string } | undefined> {
  const { adminUsername: username, adminPassword } = ctx.config.auth;
  return ctx.db.transaction(async (client) => {
    await client.query(sql['lock-admin-bootstrap'], [BOOTSTRAP_LOCK]);
    const { rows } = await client.query<{ exists: boolean }>(sql['admin-exists']);
    if (rows[0]!.exists) return undefined;

    if (!USERNAME.test(username)) {
      throw new ConfigError(`JIVS_AUTH_ADMIN_USERNAME (auth.adminUsername): ${USERNAME_RULE}`);
    }
    if (adminPassword !== undefined) {
      const violation = checkPasswordPolicy(adminPassword, username);
      if (violation) {
        throw new ConfigError(
          `JIVS_AUTH_ADMIN_PASSWORD (auth.adminPassword): ${violation.message}; ` +
            'set a better one, or unset it to have a password generated and shown once',
        );
      }
    }
    const password = adminPassword ?? generatePassword(username);
    const inserted = await client.query(sql['insert-user'], [username, await hashPassword(password), 'admin']);
    if (!inserted.rowCount) {
      throw new ConfigError(
        `JIVS_AUTH_ADMIN_USERNAME (auth.adminUsername): no admin account exists, and "${username}" is taken by ` +
          'a user with another role; set a free username to create the first admin',
      );
    }
    named(ctx.log, 'auth').info({ username }, 'created the first admin account');
    return adminPassword === undefined ? { username, generatedPassword: password } : { username };
  });
}
