import { hash, hashSync, verify, type Algorithm, type Options } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';

// The package declares Algorithm as an ambient const enum, which type stripping cannot inline.
const ARGON2ID = 2 as Algorithm.Argon2id;

/** OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane. */
const OPTIONS: Options = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

// NIST 800-63B: normalise Unicode so the same password typed on different keyboards matches.
const normalise = (password: string) => password.normalize('NFKC');

/** The argon2id hash (PHC string) of a password. */
export function hashPassword(password: string): Promise<string> {
  return hash(normalise(password), OPTIONS);
}

/** True when the password matches the stored hash; false for a wrong password or a malformed hash. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, normalise(password));
  } catch {
    return false;
  }
}

// A hash of random bytes nobody knows, with the same cost as real ones; made once at start-up.
const DUMMY_HASH = hashSync(randomBytes(32), OPTIONS);

/**
 * Spends the time of a real verification against a throw-away hash, so a sign-in for an unknown
 * user takes as long as one with a wrong password and does not reveal which usernames exist.
 */
export async function verifyDummyPassword(password: string): Promise<void> {
  await verifyPassword(DUMMY_HASH, password);
}
