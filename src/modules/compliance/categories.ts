/** Kinds of personal data the catalogue records. */
export const PII_CATEGORIES = [
  'email',
  'phone',
  'iban',
  'ssn',
  'national_id',
  'passport',
  'card_number',
  'customer_id',
  'name',
  'address',
  'birth_date',
] as const;
export type PiiCategory = (typeof PII_CATEGORIES)[number];

/** The identifiers a data-subject request may name, and the PII category each is looked up in. */
export const SUBJECT_KEYS = {
  email: 'email',
  phone: 'phone',
  iban: 'iban',
  ssn: 'ssn',
  nationalId: 'national_id',
  passport: 'passport',
  cardNumber: 'card_number',
  customerId: 'customer_id',
} as const satisfies Record<string, PiiCategory>;
export type SubjectKey = keyof typeof SUBJECT_KEYS;
export type Subject = Partial<Record<SubjectKey, string>>;

/**
 * How an identifier is compared with archived values: both sides go through the same SQL
 * function, so e-mail is case-insensitive, phone, SSN and card numbers compare by digits, and
 * IBANs, national ids and passports ignore spacing and case.
 */
const NORMALISE: Record<SubjectKey, (sql: string) => string> = {
  email: (e) => `lower(btrim(${e}))`,
  phone: digitsOnly,
  ssn: digitsOnly,
  cardNumber: digitsOnly,
  iban: compactUpper,
  nationalId: compactUpper,
  passport: compactUpper,
  customerId: (e) => `btrim(${e})`,
};

function digitsOnly(e: string): string {
  return `regexp_replace(${e}, '[^0-9]', '', 'g')`;
}

function compactUpper(e: string): string {
  return `upper(regexp_replace(${e}, '[^A-Za-z0-9]', '', 'g'))`;
}

/** The SQL normalisation of a text expression for comparisons of identifier `key`. */
export const normaliseSql = (key: SubjectKey, expression: string): string => NORMALISE[key](expression);

/** The subject keys that are looked up in columns of `category`. */
export const subjectKeysOf = (category: PiiCategory): SubjectKey[] =>
  (Object.keys(SUBJECT_KEYS) as SubjectKey[]).filter((k) => SUBJECT_KEYS[k] === category);

/** True when the subject names an identifier that columns of `category` can hold. */
export const identifiesIn = (category: PiiCategory, subject: Subject): boolean =>
  subjectKeysOf(category).some((key) => subject[key] !== undefined);

/** What erased and anonymised text values become. */
export const ERASED_TEXT = '[erased]';
