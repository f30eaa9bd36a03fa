import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ArchiveColumn } from '../extraction/readers/reader.ts';
import { anonymiseAssignments, notAnonymisedPredicate, rectifyAssignments, SqlParams, subjectPredicate } from './row-sql.ts';
import type { PiiTarget } from './targets.ts';

const escape = (name: string) => `"${name.replaceAll('"', '""')}"`;
const col = (name: string, type: string): ArchiveColumn => ({ name, type, sourceType: type });
const email = col('e"mail', 'text');
const phone = col('phone', 'character varying(40)');
const record = col('record', 'jsonb');
const legacy = col('legacy', 'json');
const born = col('born', 'date');

const targets: PiiTarget[] = [
  { column: email, jsonPath: [], category: 'email' },
  { column: phone, jsonPath: [], category: 'phone' },
  { column: record, jsonPath: ['contact', 'email'], category: 'email' },
  { column: record, jsonPath: ['name'], category: 'name' },
  { column: legacy, jsonPath: ['email'], category: 'email' },
  { column: born, jsonPath: [], category: 'birth_date' },
];

describe('row SQL builders', () => {
  it('matches identifiers of the subject in targets of their category only, all values bound', () => {
    const params = new SqlParams();
    const sql = subjectPredicate(targets, { email: "x'); DROP TABLE users; --", phone: '+49 30 1234567' }, params, escape);
    assert.equal(
      sql,
      '(lower(btrim(t."e""mail"::text)) = lower(btrim($1::text))' +
        " OR regexp_replace(t.\"phone\"::text, '[^0-9]', '', 'g') = regexp_replace($2::text, '[^0-9]', '', 'g')" +
        ' OR lower(btrim((t."record" #>> $3::text[]))) = lower(btrim($4::text))' +
        ' OR lower(btrim((t."legacy" #>> $5::text[]))) = lower(btrim($6::text)))',
    );
    assert.deepEqual(params.values, [
      "x'); DROP TABLE users; --",
      '+49 30 1234567',
      ['contact', 'email'],
      "x'); DROP TABLE users; --",
      ['email'],
      "x'); DROP TABLE users; --",
    ]);
  });

  it('has no predicate when no target can hold the identifiers', () => {
    assert.equal(subjectPredicate(targets, { iban: 'DE89370400440532013000' }, new SqlParams(), escape), undefined);
    assert.equal(subjectPredicate([], { email: 'a@b.org' }, new SqlParams(), escape), undefined);
  });

  it('anonymises text with [erased], other types with NULL, and JSON fields where they exist', () => {
    const params = new SqlParams();
    assert.deepEqual(anonymiseAssignments(targets, params, escape), [
      '"e""mail" = CASE WHEN t."e""mail" IS NULL THEN NULL ELSE $1 END',
      '"phone" = NULL',
      '"record" = compliance_jsonb_replace(compliance_jsonb_replace(t."record", $2::text[], $3::jsonb), $4::text[], $5::jsonb)',
      '"legacy" = (compliance_jsonb_replace(t."legacy"::jsonb, $6::text[], $7::jsonb))::json',
      '"born" = NULL',
    ]);
    assert.deepEqual(params.values, ['[erased]', ['contact', 'email'], '"[erased]"', ['name'], '"[erased]"', ['email'], '"[erased]"']);
  });

  it('selects rows still holding a value anonymisation would replace', () => {
    const params = new SqlParams();
    const sql = notAnonymisedPredicate([targets[0]!, targets[1]!, targets[2]!], params, escape);
    assert.equal(
      sql,
      '(coalesce(t."e""mail" <> $1, false) OR t."phone" IS NOT NULL' +
        ' OR coalesce((t."record" #> $2::text[]) <> $3::jsonb, false))',
    );
  });

  it('rectifies columns by name and JSON fields by dotted key', () => {
    const params = new SqlParams();
    const sets = rectifyAssignments([email, born, record], { 'e"mail': 'new@x.org', born: null, 'contact.email': 'new@x.org', constructor: 1 }, params, escape);
    assert.deepEqual(sets, [
      '"e""mail" = $1',
      '"born" = $2',
      '"record" = compliance_jsonb_replace(compliance_jsonb_replace(t."record", $3::text[], $4::jsonb), $5::text[], $6::jsonb)',
    ]);
    assert.deepEqual(params.values, ['new@x.org', null, ['contact', 'email'], '"new@x.org"', ['constructor'], '1']);
  });
});
