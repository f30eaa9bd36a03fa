import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csvField } from './export-formats.ts';

describe('CSV fields of the audit export', () => {
  it('quotes separators, quotes and line breaks', () => {
    assert.equal(csvField('plain'), 'plain');
    assert.equal(csvField('a,b'), '"a,b"');
    assert.equal(csvField('say "hi"'), '"say ""hi"""');
    assert.equal(csvField('two\nlines'), '"two\nlines"');
    assert.equal(csvField(null), '');
  });

  it('keeps spreadsheets from running a field as a formula', () => {
    assert.equal(csvField('=HYPERLINK("http://evil")'), `"'=HYPERLINK(""http://evil"")"`);
    for (const start of ['+', '-', '@', '\t']) assert.equal(csvField(`${start}x`), `'${start}x`);
    assert.equal(csvField('{"status":201}'), '"{""status"":201}"');
  });
});
