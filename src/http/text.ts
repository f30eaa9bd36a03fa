import { z } from 'zod';

/** True when `text` holds an ASCII control character (tab, newline and CR count too unless allowed). */
export function hasControlCharacters(text: string, allowWhitespace = false): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (allowWhitespace && (code === 9 || code === 10 || code === 13)) continue;
    if (code < 32 || code === 127) return true;
  }
  return false;
}

/** A trimmed single-line name: no control characters. */
export const nameText = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !hasControlCharacters(s), 'must not contain control characters');
