import { badRequest, notFound } from '../../http/errors.ts';
import { isHostAllowed } from './allowed-hosts.ts';
import { decryptSecret } from './credentials-cipher.ts';
import { resolveConfinedPath } from './file-paths.ts';
import { csvSettings, httpJsonSettings, ndjsonSettings, postgresSettings, type ResolvedSource } from './kinds.ts';
import type { SourceStore } from './source-store.ts';

export interface ResolverDeps {
  store: SourceStore;
  /** AES-256-GCM key of the stored secrets. */
  key: Buffer;
  fileRoot: string;
  httpAllowedHosts: readonly string[];
}

/**
 * Loads a source for use: settings validated, secret decrypted, and the checks made at creation
 * made again against the current file system and configuration (a file may since have been
 * replaced by a link out of the root; the allowed hosts may have been narrowed).
 */
export function createResolver(deps: ResolverDeps): (id: string) => Promise<ResolvedSource> {
  return async (id) => {
    const found = await deps.store.findForUse(id);
    if (!found) throw notFound('data source', id);
    const { record } = found;
    const secret = found.secretCiphertext ? decryptSecret(deps.key, found.secretCiphertext, record.id) : {};
    const base = { id: record.id, name: record.name, secret };
    switch (record.kind) {
      case 'postgres':
        return { ...base, kind: 'postgres', settings: postgresSettings.parse(record.settings) };
      case 'csv': {
        const settings = csvSettings.parse(record.settings);
        return { ...base, kind: 'csv', settings, absolutePath: await resolveConfinedPath(deps.fileRoot, settings.path) };
      }
      case 'ndjson': {
        const settings = ndjsonSettings.parse(record.settings);
        return { ...base, kind: 'ndjson', settings, absolutePath: await resolveConfinedPath(deps.fileRoot, settings.path) };
      }
      case 'http_json': {
        const settings = httpJsonSettings.parse(record.settings);
        const url = new URL(settings.url);
        if (!isHostAllowed(url, deps.httpAllowedHosts)) {
          throw badRequest(`host ${url.host} of data source ${record.name} is no longer in sources.httpAllowedHosts`);
        }
        return { ...base, kind: 'http_json', settings };
      }
    }
  };
}
