import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { CAN, principalOf } from '../../http/access.ts';
import { createUserBody, listUsersQuery, noContent, updateUserBody, user, userList, userParams } from './schemas.ts';
import type { Users } from './users.ts';

const TAGS = ['users'];
const access = CAN.manageUsers;

/** User administration, for administrators. */
export function userRoutes(users: Users): FastifyPluginCallbackZod {
  return (app, _options, done) => {
    app.get(
      '/api/v1/users',
      {
        config: { access },
        schema: { tags: TAGS, summary: 'List users', querystring: listUsersQuery, response: { 200: userList } },
      },
      async (request) => ({ users: await users.list(request.query.limit, request.query.offset) }),
    );

    app.post(
      '/api/v1/users',
      {
        config: { access },
        schema: {
          tags: TAGS,
          summary: 'Create a user',
          description: 'The password must be 8 to 128 characters, not a common or breached password, and not contain the username.',
          body: createUserBody,
          response: { 201: user },
        },
      },
      async (request, reply) => reply.code(201).send(await users.create(principalOf(request), request.body)),
    );

    app.get(
      '/api/v1/users/:id',
      {
        config: { access },
        schema: { tags: TAGS, summary: 'Get a user', params: userParams, response: { 200: user } },
      },
      (request) => users.get(request.params.id),
    );

    app.patch(
      '/api/v1/users/:id',
      {
        config: { access },
        schema: {
          tags: TAGS,
          summary: 'Change the role of a user or disable/enable it',
          description: 'A role change applies to the next request. Disabling revokes every token of the user.',
          params: userParams,
          body: updateUserBody,
          response: { 200: user },
        },
      },
      (request) => users.update(principalOf(request), request.params.id, request.body),
    );

    app.delete(
      '/api/v1/users/:id',
      {
        config: { access },
        schema: {
          tags: TAGS,
          summary: 'Delete a user',
          params: userParams,
          response: { 204: noContent },
        },
      },
      async (request, reply) => {
        await users.remove(principalOf(request), request.params.id);
        return reply.code(204).send();
      },
    );
    done();
  };
}
