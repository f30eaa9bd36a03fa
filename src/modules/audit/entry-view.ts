import { z } from 'zod';
import type { EntryRow } from './audit-log.ts';

const hash = z.string().regex(/^[0-9a-f]{64}$/);

/** An audit entry as the API shows it. */
export const entryView = z.object({
  seq: z.number().int(),
  id: z.uuid(),
  at: z.string().describe('UTC, microseconds'),
  actor: z
    .object({ userId: z.uuid().nullable(), username: z.string(), role: z.string().nullable() })
    .nullable()
    .describe('null when anonymous; a sign-in attempt has the username it claimed and no user id'),
  action: z.string(),
  target: z.string().nullable(),
  outcome: z.enum(['success', 'failure', 'denied']),
  sourceIp: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  prevHash: hash,
  hash,
});

export type EntryView = z.infer<typeof entryView>;

export const presentEntry = (row: EntryRow): EntryView => ({
  seq: Number(row.seq),
  id: row.id,
  at: row.at,
  actor:
    row.actor_username === null ? null : { userId: row.actor_user_id, username: row.actor_username, role: row.actor_role },
  action: row.action,
  target: row.target,
  outcome: row.outcome as EntryView['outcome'],
  sourceIp: row.source_ip,
  details: row.details,
  prevHash: row.prev_hash,
  hash: row.hash,
});
