import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { completeRows, countRows, decodeRow, encodeRow, lastLine } from './copy-text.ts';

describe('COPY text format', () => {
  it('round-trips values with tabs, newlines, backslashes and NULLs', () => {
    const values = ['plain', 'tab\there', 'line\nbreak\r', 'back\\slash', null, '', '\\N literally'];
    const line = encodeRow(values);
    assert.equal(line.split('\n').length, 2, 'one raw newline: the row end');
    assert.deepEqual(decodeRow(line.slice(0, -1)), values);
  });

  it('decodes octal and hex escapes PostgreSQL may send', () => {
    assert.deepEqual(decodeRow('\\101\\x42\\b'), ['AB\b']);
  });

  it('re-chunks a byte stream at row boundaries', async () => {
    const text = encodeRow(['1', 'a']) + encodeRow(['2', 'b\nc']) + encodeRow(['3', 'd']);
    const bytes = Buffer.from(text);
    async function* pieces() {
      for (let i = 0; i < bytes.length; i += 5) yield bytes.subarray(i, i + 5);
    }
    const chunks: Buffer[] = [];
    for await (const chunk of completeRows(pieces())) {
      assert.equal(chunk.at(-1), 0x0a, 'each chunk ends with a row end');
      chunks.push(chunk);
    }
    const joined = Buffer.concat(chunks);
    assert.equal(joined.toString(), text);
    assert.equal(countRows(joined), 3);
    assert.equal(lastLine(joined), '3\td');
  });

  it('refuses a stream that ends inside a row', async () => {
    async function* pieces() {
      yield Buffer.from('1\ta\n2\tb');
    }
    await assert.rejects(async () => {
      for await (const _ of completeRows(pieces())) void _;
    }, /middle of a row/);
  });
});
