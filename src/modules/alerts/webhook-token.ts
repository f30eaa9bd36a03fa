import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * True when the Authorization header is `Bearer <expected>`. The comparison takes the same time
 * wherever the tokens differ, and whatever their lengths (both are hashed first), so a caller
 * cannot find the token a character at a time.
 */
export function bearerMatches(authorization: string | undefined, expected: string): boolean {
  const match = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
  if (!match?.[1]) return false;
  return timingSafeEqual(digest(match[1]), digest(expected));
}
