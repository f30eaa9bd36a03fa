import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHostAllowed } from './allowed-hosts.ts';

describe('isHostAllowed', () => {
  const allowed = (url: string, list: string[]) => isHostAllowed(new URL(url), list);

  it('matches any host, exact hosts, host:port and subdomain wildcards', () => {
    assert.ok(allowed('https://anything.example/x', ['*']));
    assert.ok(allowed('https://API.Example.com/x', ['api.example.com']));
    assert.ok(allowed('http://127.0.0.1:8080/x', ['127.0.0.1:8080']));
    assert.ok(allowed('https://eu.api.example.com/x', ['*.example.com']));
  });

  it('refuses everything else', () => {
    assert.ok(!allowed('https://evil.example/x', []));
    assert.ok(!allowed('https://api.example.com.evil.example/x', ['api.example.com']));
    assert.ok(!allowed('http://127.0.0.1:9090/x', ['127.0.0.1:8080']));
    assert.ok(!allowed('https://example.com/x', ['*.example.com']));
    assert.ok(!allowed('https://notexample.com/x', ['*.example.com']));
  });
});
