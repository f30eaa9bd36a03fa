import { z } from 'zod';
import { ROLES } from '../../http/access.ts';
import { pageQuery } from '../../http/paging.ts';

/** The rule for usernames: 1 to 64 ASCII letters, digits and `. _ - @`. */
export const USERNAME = /^[A-Za-z0-9._@-]{1,64}$/;
export const USERNAME_RULE = 'must be 1 to 64 characters: letters A-Z and a-z, digits, and . _ - @';

// Generous bounds on raw input; the password policy applies the real length rule with a clear message.
const secret = z.string().min(1).max(1024);
const noControlCharacters = (s: z.ZodString) => s.regex(/^\P{Cc}*$/u, 'must not contain control characters');

const role = z.enum(ROLES);
const timestamp = z.iso.datetime();

export const loginBody = z.strictObject({
  // Any text up to a bound: a name that cannot exist is simply a failed sign-in.
  username: noControlCharacters(z.string().min(1).max(256)),
  password: secret,
});

export const refreshBody = z.strictObject({ refreshToken: secret });

// Fastify gives a request without a body as null.
export const logoutBody = z
  .strictObject({
    refreshToken: secret.optional().describe('also revoke the sign-in this refresh token belongs to'),
  })
  .nullish();

export const changePasswordBody = z.strictObject({ currentPassword: secret, newPassword: secret });

export const createUserBody = z.strictObject({
  username: z.string().regex(USERNAME, USERNAME_RULE),
  password: secret,
  role,
});

export const updateUserBody = z
  .strictObject({ role: role.optional(), disabled: z.boolean().optional() })
  .refine((b) => b.role !== undefined || b.disabled !== undefined, { message: 'send role, disabled or both' });

// A string, not z.uuid(): an id that is not a uuid names no user, which is a 404, not a 400.
export const userParams = z.object({ id: z.string().describe('user id (uuid)') });

export const listUsersQuery = pageQuery(100);

export const userSummary = z.object({ id: z.uuid(), username: z.string(), role });

export const user = z
  .object({
    id: z.uuid(),
    username: z.string(),
    role,
    disabled: z.boolean(),
    createdAt: timestamp,
    updatedAt: timestamp,
    passwordChangedAt: timestamp,
  })
  .describe('the user');

export const session = z
  .object({
    accessToken: z.string().describe('send as Authorization: Bearer <accessToken>'),
    refreshToken: z.string().describe('exchange at POST /api/v1/auth/refresh; usable once'),
    tokenType: z.literal('Bearer'),
    expiresIn: z.number().int().describe('seconds until the access token expires'),
    user: userSummary,
  })
  .describe('new tokens of a sign-in');

export const userList = z.object({ users: z.array(user) }).describe('users, ordered by username');

// The OpenAPI transform documents z.undefined() as a response without a body.
export const noContent = z.undefined().describe('done; no content');
