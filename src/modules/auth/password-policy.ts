import { dictionary } from '@zxcvbn-ts/language-common';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;
// Shorter usernames would forbid too many passwords by the containment rule ("a", "ops").
const USERNAME_CONTAINMENT_MIN_LENGTH = 3;

/** A password rule that failed, with a message telling the user what to change. */
export interface PasswordPolicyViolation {
  rule: 'too_short' | 'too_long' | 'common' | 'contains_username';
  message: string;
}

// Built once: about 50,000 passwords known from breaches, compared case-insensitively.
const COMMON_PASSWORDS = new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));

/**
 * NIST SP 800-63B rules for a new password: 8 to 128 characters (Unicode code points), no
 * composition rules, not a commonly used or breached password, not the username nor containing it.
 * Returns the first rule that fails, or undefined when the password is acceptable.
 */
export function checkPasswordPolicy(password: string, username: string): PasswordPolicyViolation | undefined {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) {
    return {
      rule: 'too_short',
      message: `the password must be at least ${PASSWORD_MIN_LENGTH} characters long (it has ${length}); a passphrase of several words is easy to remember`,
    };
  }
  if (length > PASSWORD_MAX_LENGTH) {
    return {
      rule: 'too_long',
      message: `the password must be at most ${PASSWORD_MAX_LENGTH} characters long (it has ${length})`,
    };
  }
  const lower = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lower)) {
    return {
      rule: 'common',
      message: 'the password is on a list of commonly used or breached passwords; choose another one',
    };
  }
  const name = username.toLowerCase();
  if (lower === name || (name.length >= USERNAME_CONTAINMENT_MIN_LENGTH && lower.includes(name))) {
    return { rule: 'contains_username', message: 'the password must not be the username or contain it' };
  }
  return undefined;
}
