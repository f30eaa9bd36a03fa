import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SourceSecret } from './kinds.ts';

// Layout: version (1 byte) | IV (12 bytes) | GCM tag (16 bytes) | ciphertext. The version byte
// lets a later key rotation or algorithm change read old rows.
const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;

function checkKey(key: Buffer): void {
  if (key.length !== 32) throw new Error(`the source credentials key must be 32 bytes (got ${key.length})`);
}

/**
 * Encrypts a source secret with AES-256-GCM under `key`. `context` (the source id) is bound as
 * associated data, so a ciphertext copied onto another source row does not decrypt there.
 */
export function encryptSecret(key: Buffer, secret: SourceSecret, context: string): Buffer {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(JSON.stringify(secret), 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
}

/**
 * Decrypts what {@link encryptSecret} produced for the same `context`. Throws when the data was
 * altered, belongs to another source, or the key is not the one it was encrypted with.
 */
export function decryptSecret(key: Buffer, sealed: Buffer, context: string): SourceSecret {
  checkKey(key);
  if (sealed.length < HEADER_BYTES) throw new Error('the stored source credentials are truncated');
  if (sealed[0] !== VERSION) {
    throw new Error(`the stored source credentials have unknown format version ${sealed[0]}`);
  }
  const iv = sealed.subarray(1, 1 + IV_BYTES);
  const tag = sealed.subarray(1 + IV_BYTES, HEADER_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(tag);
  let plain: string;
  try {
    plain = Buffer.concat([decipher.update(sealed.subarray(HEADER_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new Error(
      'the stored source credentials could not be decrypted: they were altered, or secretsKey is not the key they were stored with',
    );
  }
  return JSON.parse(plain) as SourceSecret;
}
