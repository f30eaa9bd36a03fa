import type { AppContext } from '../../context.ts';
import type { Principal, Role } from '../../http/access.ts';
import { conflict, notFound, unprocessable } from '../../http/errors.ts';
import { sqlFiles } from '../../data/sql.ts';
import { named } from '../../observability/logger.ts';
import { checkPasswordPolicy } from './password-policy.ts';
import { hashPassword } from './passwords.ts';
import type { TokenCache } from './token-cache.ts';

/** A user as the API shows it: never the password hash. */
export interface User {
  id: string;
  username: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
  passwordChangedAt: string;
}

interface UserRow {
  id: string;
  username: string;
  role: Role;
  disabled: boolean;
  created_at: Date;
  updated_at: Date;
  password_changed_at: Date;
}

const sql = sqlFiles(import.meta.dirname, [
  'list-users',
  'get-user',
  'insert-user',
  'update-user',
  'delete-user',
  'revoke-user-refresh-tokens',
]);

// The id column is uuid: anything else cannot name a user, and must not reach PostgreSQL as a cast error.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const toUser = (row: UserRow): User => ({
  id: row.id,
  username: row.username,
  role: row.role,
  disabled: row.disabled,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
  passwordChangedAt: row.password_changed_at.toISOString(),
});

/**
 * The user accounts an administrator manages. Queries use the write pool: user data is small
 * and an administrator expects to see a change they just made.
 */
export function createUsers(ctx: AppContext, cache: TokenCache) {
  const log = named(ctx.log, 'auth');
  const db = ctx.db;

  function requireUuid(id: string): void {
    if (!UUID.test(id)) throw notFound('user', id);
  }

  // Keeps at least one usable admin: nobody can lock themselves (and perhaps everyone) out.
  function refuseSelf(actor: Principal, id: string, what: string): void {
    if (actor.userId.toLowerCase() === id.toLowerCase()) {
      throw conflict(`you cannot ${what} your own account; ask another administrator`);
    }
  }

  return {
    async list(limit: number, offset: number): Promise<User[]> {
      return (await db.write.query<UserRow>(sql['list-users'], [limit, offset])).rows.map(toUser);
    },

    async get(id: string): Promise<User> {
      requireUuid(id);
      const row = (await db.write.query<UserRow>(sql['get-user'], [id])).rows[0];
      if (!row) throw notFound('user', id);
      return toUser(row);
    },

    async create(actor: Principal, input: { username: string; password: string; role: Role }): Promise<User> {
      const violation = checkPasswordPolicy(input.password, input.username);
      if (violation) throw unprocessable(`password: ${violation.message}`, { rule: violation.rule });
      const passwordHash = await hashPassword(input.password);
      const row = (await db.write.query<UserRow>(sql['insert-user'], [input.username, passwordHash, input.role])).rows[0];
      if (!row) throw conflict(`a user named ${input.username} already exists (usernames ignore case)`);
      log.info({ user_id: row.id, role: row.role, by: actor.userId }, 'user created');
      return toUser(row);
    },

    /** Changes role and/or disabled; disabling revokes every token of the user. */
    async update(actor: Principal, id: string, changes: { role?: Role; disabled?: boolean }): Promise<User> {
      requireUuid(id);
      if (changes.disabled === true) refuseSelf(actor, id, 'disable');
      if (changes.role !== undefined && changes.role !== 'admin') refuseSelf(actor, id, 'remove the admin role from');
      const row = await db.transaction(async (client) => {
        const updated = (
          await client.query<UserRow>(sql['update-user'], [id, changes.role ?? null, changes.disabled ?? null])
        ).rows[0];
        if (updated && changes.disabled === true) await client.query(sql['revoke-user-refresh-tokens'], [id]);
        return updated;
      });
      if (!row) throw notFound('user', id);
      await db.afterCommit(() => cache.userChanged(id));
      log.info({ user_id: row.id, ...changes, by: actor.userId }, 'user updated');
      return toUser(row);
    },

    async remove(actor: Principal, id: string): Promise<void> {
      requireUuid(id);
      refuseSelf(actor, id, 'delete');
      const { rowCount } = await db.write.query(sql['delete-user'], [id]);
      if (!rowCount) throw notFound('user', id);
      await db.afterCommit(() => cache.userChanged(id));
      log.info({ user_id: id, by: actor.userId }, 'user deleted');
    },
  };
}

export type Users = ReturnType<typeof createUsers>;
