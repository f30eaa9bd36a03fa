import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { principalOf } from '../../http/access.ts';
import { changePasswordBody, loginBody, logoutBody, noContent, refreshBody, session, user } from './schemas.ts';
import type { Sessions } from './sessions.ts';
import type { Users } from './users.ts';

const TAGS = ['auth'];

/** Sign-in, token refresh, sign-out, password change and the caller's own account. */
export function authRoutes(sessions: Sessions, users: Users): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    app.post(
      '/api/v1/auth/login',
      {
        config: { access: 'public', rateLimit: 'auth' },
        schema: {
          tags: TAGS,
          summary: 'Sign in with username and password',
          description: 'Returns a short-lived access token and a single-use refresh token. Limited to 5 attempts a minute per client and per account.',
          security: [],
          body: loginBody,
          response: { 200: session },
        },
      },
      (request) => sessions.login(request.body.username, request.body.password),
    );

    app.post(
      '/api/v1/auth/refresh',
      {
        config: { access: 'public', rateLimit: 'auth' },
        schema: {
          tags: TAGS,
          summary: 'Exchange a refresh token for new tokens',
          description: 'The refresh token is replaced by the new one. Presenting a replaced token again revokes every token of that sign-in.',
          security: [],
          body: refreshBody,
          response: { 200: session },
        },
      },
      (request) => sessions.refresh(request.body.refreshToken),
    );

    app.post(
      '/api/v1/auth/logout',
      {
        config: { access: 'authenticated' },
        schema: {
          tags: TAGS,
          summary: 'Sign out',
          description: 'Revokes the access token of this request and, when given, the sign-in of the refresh token.',
          body: logoutBody,
          response: { 204: noContent },
        },
      },
      async (request, reply) => {
        await sessions.logout(principalOf(request), request.body?.refreshToken);
        return reply.code(204).send();
      },
    );

    app.post(
      '/api/v1/auth/password',
      {
        // The sign-in limit: this endpoint also checks a password. Not kept for replay: its
        // answer holds new tokens.
        config: { access: 'authenticated', rateLimit: 'auth', idempotent: false },
        schema: {
          tags: TAGS,
          summary: 'Change your password',
          description: 'Revokes every access and refresh token of your account and returns new ones.',
          body: changePasswordBody,
          response: { 200: session },
        },
      },
      (request) =>
        sessions.changePassword(principalOf(request), request.body.currentPassword, request.body.newPassword),
    );

    app.get(
      '/api/v1/auth/me',
      {
        config: { access: 'authenticated' },
        schema: { tags: TAGS, summary: 'Your own account', response: { 200: user } },
      },
      (request) => users.get(principalOf(request).userId),
    );
    done();
  };
}
