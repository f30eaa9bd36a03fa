import { createHash, timingSafeEqual } from 'node:crypto';
import { bearerToken } from '../../http/access.ts';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * True when the Authorization header is `Bearer <expected>`. The comparison takes the same time
 * wherever the tokens differ, and whatever their lengths (both are hashed first), so a caller
 * cannot find the token a character at a time.
 */
export function bearerMatches(authorization: string | undefined, expected: string): boolean {
  const token = bearerToken(authorization);
  return token !== undefined && timingSafeEqual(digest(token), digest(expected));
}
