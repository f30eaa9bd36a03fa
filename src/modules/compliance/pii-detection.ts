import { passesLuhn } from '../../observability/masking.ts';
import type { PiiCategory } from './categories.ts';

/**
 * Decides which kinds of personal data a column (or a field inside JSON) holds, from its name
 * and from a sample of its values. Content patterns match whole values and are strict (IBAN
 * checksum, Luhn and issuer prefix for cards), since a finding drives erasure.
 */

/** `firstName`, `FIRST_NAME`, `first-name` → `['first', 'name']`. */
export function nameTokens(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t !== '');
}

const PERSON_NAMES = ['firstname', 'lastname', 'fullname', 'surname', 'givenname', 'familyname', 'middlename', 'forename'];
const CUSTOMER_IDS = new Set(['customerid', 'customerno', 'customernumber', 'custid', 'clientid', 'clientno', 'clientnumber']);
const ADDRESS_TOKENS = new Set(['address', 'addr', 'street', 'city', 'zip', 'zipcode', 'postcode', 'postal']);
// `email_address`, `ip_address` and `url_address` are not postal addresses.
const NOT_POSTAL = new Set(['email', 'mail', 'ip', 'ipv4', 'ipv6', 'mac', 'url', 'web', 'wallet']);

/** Categories a column or JSON key name suggests. */
export function categoriesByName(name: string): PiiCategory[] {
  const tokens = nameTokens(name);
  const compact = tokens.join('');
  const has = (...words: string[]) => words.some((w) => tokens.includes(w));
  const found: PiiCategory[] = [];
  if (has('email', 'mail') || compact.includes('email')) found.push('email');
  if (has('phone', 'tel', 'telephone', 'mobile', 'msisdn', 'fax') || compact.includes('phone')) found.push('phone');
  if (has('iban')) found.push('iban');
  if (has('ssn') || compact.includes('socialsecurity')) found.push('ssn');
  if (compact.includes('nationalid')) found.push('national_id');
  if (compact.includes('passport')) found.push('passport');
  if (/(credit|debit)card|card(number|num|no)$|^(cc(number|num|no)|pan)$/.test(compact)) found.push('card_number');
  if (CUSTOMER_IDS.has(compact)) found.push('customer_id');
  if (compact === 'name' || PERSON_NAMES.some((n) => compact.endsWith(n))) found.push('name');
  if (tokens.some((t) => ADDRESS_TOKENS.has(t)) && !tokens.some((t) => NOT_POSTAL.has(t))) found.push('address');
  if (tokens.some((t) => t.startsWith('birth')) || has('dob') || compact.includes('dateofbirth')) found.push('birth_date');
  return found;
}

/** ISO 13616 check: country, check digits, and the mod-97 remainder of the rearranged number is 1. */
export function ibanValid(value: string): boolean {
  const iban = value.replace(/ /g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  let remainder = 0;
  for (const ch of iban.slice(4) + iban.slice(0, 4)) {
    const n = ch >= 'A' ? String(ch.charCodeAt(0) - 55) : ch;
    for (const digit of n) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

// Issuer prefixes of Visa, Mastercard, Amex, Discover, JCB and Diners: most Luhn-valid numbers
// are not cards, and a card-number finding drives erasure.
const CARD_PREFIX = /^(4|5[1-5]|2[2-7]|3[47]|6011|65|64[4-9]|35|3[068])/;
const EMAIL = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/;
const SSN = /^(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}$/;
const PHONE_SHAPE = /^(\+|00)?[\d ()./-]+$/;
// Shapes that have phone-like characters but are dates, IP addresses, decimals or SSNs.
const NOT_PHONE = [
  /^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$/,
  /^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$/,
  /^\d{1,3}(\.\d{1,3}){3}$/,
  /^\d+\.\d+$/,
  /^\d{3}-\d{2}-\d{4}$/,
];

function isPhone(value: string, digits: string): boolean {
  if (digits.length < 7 || digits.length > 15 || !PHONE_SHAPE.test(value)) return false;
  if (NOT_PHONE.some((p) => p.test(value))) return false;
  // A bare run of digits is more often an id than a phone number.
  return /^(\+|00)/.test(value) || /[ ()./-]/.test(value);
}

/** Categories a single value matches as a whole (surrounding white space ignored). */
export function contentCategories(raw: string): PiiCategory[] {
  const value = raw.trim();
  if (value.length < 5 || value.length > 254) return [];
  const found: PiiCategory[] = [];
  if (EMAIL.test(value)) found.push('email');
  if (/^[A-Za-z]{2}\d{2}[A-Za-z0-9 ]+$/.test(value) && ibanValid(value)) found.push('iban');
  if (SSN.test(value)) found.push('ssn');
  const digits = value.replace(/\D/g, '');
  if (/^\d(?:[ -]?\d){12,18}$/.test(value) && CARD_PREFIX.test(digits) && passesLuhn(digits)) found.push('card_number');
  if (isPhone(value, digits)) found.push('phone');
  return found;
}

/** One category found in a column or JSON field. */
export interface Finding {
  category: PiiCategory;
  confidence: number;
  /** Sampled values that matched the category's pattern. */
  evidenceCount: number;
  /** Non-null values sampled. */
  sampledValues: number;
  detectedBy: Array<'name' | 'content'>;
}

/** Share of sampled values that must match before content alone proposes a category. */
export const MIN_CONTENT_SHARE = 0.3;

/**
 * Findings for a column (or JSON field) called `name` with these sampled non-null values. A
 * name alone proposes its categories at 0.6; content alone at its matching share; both agree
 * at 0.7 and more.
 */
export function assess(name: string, values: readonly string[]): Finding[] {
  const byName = new Set(categoriesByName(name));
  const evidence = new Map<PiiCategory, number>();
  for (const value of values) {
    for (const category of contentCategories(value)) evidence.set(category, (evidence.get(category) ?? 0) + 1);
  }
  const findings: Finding[] = [];
  for (const category of new Set([...byName, ...evidence.keys()])) {
    const count = evidence.get(category) ?? 0;
    const share = values.length > 0 ? count / values.length : 0;
    const content = count > 0 && share >= MIN_CONTENT_SHARE;
    const named = byName.has(category);
    if (!named && !content) continue;
    const confidence = named ? (content ? 0.7 + 0.3 * share : 0.6) : Math.min(0.95, share);
    findings.push({
      category,
      confidence: Math.round(confidence * 100) / 100,
      evidenceCount: count,
      sampledValues: values.length,
      detectedBy: [...(named ? (['name'] as const) : []), ...(content ? (['content'] as const) : [])],
    });
  }
  return findings.sort((a, b) => a.category.localeCompare(b.category));
}
