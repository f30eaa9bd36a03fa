import type { Tracer } from '@opentelemetry/api';
import type { Redis } from 'ioredis';
import { dependencySpan, endWhenSettled } from '../observability/spans.ts';

/**
 * Puts every command `client` sends in a CLIENT span of the trace it runs in: `db.system=redis`
 * and the command's name, never its keys or values (tokens, cached figures). Every command
 * ioredis sends — direct, from the rate limiter, in a MULTI — goes through `sendCommand`.
 */
export function traceCommands(client: Redis, tracer: Tracer): void {
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command, stream) => {
    const span = dependencySpan(tracer, () => {
      const operation = command.name.toUpperCase();
      return { name: operation, attributes: { 'db.system': 'redis', 'db.operation': operation } };
    });
    // The caller handles the command's outcome; this only ends the span with it.
    if (span) endWhenSettled(span, command.promise).catch(() => undefined);
    return send(command, stream);
  };
}
