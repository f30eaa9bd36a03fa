import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { passesLuhn as luhnValid } from '../../observability/masking.ts';
import { assess, categoriesByName, contentCategories, ibanValid, nameTokens } from './pii-detection.ts';

describe('PII detection by name', () => {
  it('splits snake, kebab and camel case names into tokens', () => {
    assert.deepEqual(nameTokens('firstName'), ['first', 'name']);
    assert.deepEqual(nameTokens('CUSTOMER_E-Mail'), ['customer', 'e', 'mail']);
    assert.deepEqual(nameTokens('IBANNumber'), ['iban', 'number']);
  });

  it('recognises the names of the brief', () => {
    const cases: Array<[string, string[]]> = [
      ['email', ['email']],
      ['contact_mail', ['email']],
      ['email_address', ['email']],
      ['phone', ['phone']],
      ['tel', ['phone']],
      ['mobilePhone', ['phone']],
      ['iban', ['iban']],
      ['ssn', ['ssn']],
      ['national_id', ['national_id']],
      ['passport_no', ['passport']],
      ['first_name', ['name']],
      ['lastName', ['name']],
      ['name', ['name']],
      ['street', ['address']],
      ['zip', ['address']],
      ['postcode', ['address']],
      ['home_address', ['address']],
      ['date_of_birth', ['birth_date']],
      ['birthday', ['birth_date']],
      ['dob', ['birth_date']],
      ['credit_card_number', ['card_number']],
      ['customer_id', ['customer_id']],
    ];
    for (const [name, expected] of cases) assert.deepEqual(categoriesByName(name), expected, name);
  });

  it('leaves ordinary columns alone', () => {
    for (const name of ['id', 'amount', 'product_name', 'hotel', 'telemetry', 'ip_address', 'created_at', 'cc', 'status']) {
      assert.deepEqual(categoriesByName(name), [], name);
    }
  });
});

describe('PII detection by content', () => {
  it('validates IBAN checksums and card numbers with Luhn', () => {
    assert.equal(ibanValid('DE89 3704 0044 0532 0130 00'), true);
    assert.equal(ibanValid('GB82WEST12345698765432'), true);
    assert.equal(ibanValid('DE89 3704 0044 0532 0130 01'), false);
    assert.equal(luhnValid('4111111111111111'), true);
    assert.equal(luhnValid('4111111111111112'), false);
    assert.equal(luhnValid(''), false);
  });

  it('matches whole values of each pattern', () => {
    const cases: Array<[string, string[]]> = [
      ['ada@example.com', ['email']],
      ['  Ada.Lovelace+x@mail.example.co.uk ', ['email']],
      ['DE89370400440532013000', ['iban']],
      ['123-45-6789', ['ssn']],
      ['4111 1111 1111 1111', ['card_number']],
      ['5500-0000-0000-0004', ['card_number']],
      ['+49 30 1234567', ['phone']],
      ['(555) 123-4567', ['phone']],
      ['0049301234567', ['phone']],
    ];
    for (const [value, expected] of cases) assert.deepEqual(contentCategories(value), expected, value);
  });

  it('does not mistake ids, dates, decimals, addresses or invalid numbers for PII', () => {
    for (const value of [
      'not an email@',
      'write to ada@example.com today',
      '2024-03-31',
      '31.03.2024',
      '192.168.100.200',
      '1234567.89',
      '5551234567',
      '4111111111111112',
      '1234567812345670',
      'DE89 3704 0044 0532 0130 01',
      '000-12-3456',
      '12345',
    ]) {
      assert.deepEqual(contentCategories(value), [], value);
    }
  });
});

describe('assessing a sampled column', () => {
  it('combines name and content, and needs a share of matching values for content alone', () => {
    const emails = ['a@x.org', 'b@y.org', 'c@z.org', 'unknown'];
    assert.deepEqual(assess('contact', emails), [
      { category: 'email', confidence: 0.75, evidenceCount: 3, sampledValues: 4, detectedBy: ['content'] },
    ]);
    assert.deepEqual(assess('email', emails), [
      { category: 'email', confidence: 0.93, evidenceCount: 3, sampledValues: 4, detectedBy: ['name', 'content'] },
    ]);
    assert.deepEqual(assess('first_name', ['Ada', 'Grace']), [
      { category: 'name', confidence: 0.6, evidenceCount: 0, sampledValues: 2, detectedBy: ['name'] },
    ]);
    // One e-mail among ten free-text notes is not an e-mail column.
    assert.deepEqual(assess('note', ['a@x.org', ...Array.from({ length: 9 }, (_, i) => `note ${i}`)]), []);
    assert.deepEqual(assess('amount', []), []);
  });
});
