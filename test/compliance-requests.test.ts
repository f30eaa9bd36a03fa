import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import pg from 'pg';
import { startTestApp, type TestApp } from './support/app.ts';
import { createArchivedDataset, type ArchivedDataset } from './support/archive-fixtures.ts';
import { waitFor } from './support/wait.ts';

const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
const IBANS = ['DE89 3704 0044 0532 0130 00', 'GB82 WEST 1234 5698 7654 32', 'CH93 0076 2011 6238 5295 7', 'NL91 ABNA 0417 1643 00'];

// Four subjects appear in both datasets with their e-mail in varying case; everyone else once.
const ADA = ['ada@example.com', 'Ada@Example.com', 'ADA@EXAMPLE.COM'];
const GRACE = ['grace@example.com'];
const ALAN = ['alan@example.com', 'Alan@example.com'];
const LINUS = ['linus@example.com'];
const emailOf = (i: number, spread: number) => {
  const subject = [ADA, GRACE, LINUS, ALAN][(i % spread) - 1];
  return subject ? subject[i % subject.length]! : `user${i}@example.org`;
};

type Customer = [number, string, string | null, string, string, string, string];
const CUSTOMERS: Customer[] = Array.from({ length: 30 }, (_, k) => {
  const i = k + 1;
  return [i, emailOf(i, 10), i % 4 === 0 ? null : `+41 44 ${100 + i} ${1000 + i}`, IBANS[i % IBANS.length]!, `Person ${i}`, 'likes tea', hoursAgo(i)];
});
const CUSTOMER_COLUMNS = [
  { name: 'id', type: 'integer' },
  { name: 'email', type: 'text' },
  { name: 'phone', type: 'text' },
  { name: 'iban', type: 'text' },
  { name: 'full_name', type: 'text' },
  { name: 'notes', type: 'text' },
  { name: 'created_at', type: 'timestamp with time zone' },
];

// NDJSON-style records: the e-mail is a field of the jsonb `record`; every sixth has none.
const EVENTS: Array<Record<string, unknown>> = Array.from({ length: 24 }, (_, k) => {
  const j = k + 1;
  const base = { id: j, event: j % 2 ? 'login' : 'purchase', contact: { phone: `+49 30 ${2000 + j} ${300 + j}` } };
  return j % 6 === 0 ? base : { ...base, email: emailOf(j, 6) };
});

const lower = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v);
const customersOf = (subject: string[]) => CUSTOMERS.filter((c) => subject.includes(c[1]));
const eventsOf = (subject: string[]) => EVENTS.filter((e) => subject.includes(e.email as string));

const FINAL = ['completed', 'completed_with_exceptions', 'rejected', 'failed'];

describe('data-subject requests across archived datasets', () => {
  let t: TestApp;
  let token: string;
  let db: pg.Client;
  let customers: ArchivedDataset;
  let events: ArchivedDataset;
  let products: ArchivedDataset;

  const waitForRequest = (id: string) =>
    waitFor(`request ${id} to finish`, async () => {
      const res = await t.request('GET', `/api/v1/compliance/requests/${id}`, { token });
      return FINAL.includes(res.body.status) ? res.body : undefined;
    });

  const submit = async (body: Record<string, unknown>) => {
    const res = await t.request('POST', '/api/v1/compliance/requests', { token, body });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    // The job may have picked it up already.
    assert.ok(['received', ...FINAL, 'in_progress'].includes(res.body.status), res.body.status);
    return waitForRequest(res.body.id);
  };

  /** Every row of a dataset as JSON text, sorted: what "untouched" is compared by. */
  const snapshot = async (d: ArchivedDataset) =>
    (await db.query<{ j: string }>(`SELECT row_to_json(t)::text AS j FROM ${d.table} t`)).rows.map((r) => r.j).sort();

  /** Rows of any archive table whose text contains `needle`, whatever the column or JSON field. */
  const findAnywhere = async (needle: string) => {
    const { rows: tables } = await db.query<{ table_name: string }>('SELECT table_name FROM archive_datasets');
    let found = 0;
    for (const { table_name } of tables) {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM archive.${db.escapeIdentifier(table_name)} t WHERE lower(row_to_json(t)::text) LIKE '%' || $1 || '%'`,
        [needle.toLowerCase()],
      );
      found += rows[0]!.n;
    }
    return found;
  };

  before(async () => {
    t = await startTestApp({ 'rateLimits.auth.points': 50 });
    token = await t.login();
    db = new pg.Client({ connectionString: t.dsn });
    await db.connect();
    customers = await createArchivedDataset(t, { name: 'customers', columns: CUSTOMER_COLUMNS, rows: CUSTOMERS });
    events = await createArchivedDataset(t, {
      name: 'events.ndjson',
      columns: [{ name: 'record', type: 'jsonb' }],
      rows: EVENTS.map((e) => [JSON.stringify(e)]),
    });
    products = await createArchivedDataset(t, {
      name: 'products',
      columns: [
        { name: 'id', type: 'integer' },
        { name: 'sku', type: 'text' },
        { name: 'price', type: 'numeric(10,2)' },
      ],
      rows: Array.from({ length: 10 }, (_, i) => [i + 1, `SKU-${i}`, (i * 2.5).toFixed(2)]),
    });
  });
  after(async () => {
    await db?.end();
    await t?.close();
  });

  it('discovers the e-mail, phone and IBAN columns and the e-mail inside the jsonb records', async () => {
    const res = await t.request('POST', '/api/v1/compliance/discovery', { token, body: {} });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.datasets.map((d: any) => d.datasetId).sort(), [customers.datasetId, events.datasetId, products.datasetId].sort());

    const list = await t.request('GET', `/api/v1/compliance/catalogue?limit=500`, { token });
    assert.equal(list.status, 200);
    const found = (d: ArchivedDataset) =>
      list.body.items
        .filter((e: any) => e.datasetId === d.datasetId)
        .map((e: any) => `${e.column}${e.jsonPath ? '.' + e.jsonPath.join('.') : ''}:${e.category}`)
        .sort();
    assert.deepEqual(found(customers), ['email:email', 'full_name:name', 'iban:iban', 'phone:phone']);
    assert.deepEqual(found(events), ['record.contact.phone:phone', 'record.email:email']);
    assert.deepEqual(found(products), []);

    const email = list.body.items.find((e: any) => e.datasetId === customers.datasetId && e.column === 'email');
    assert.equal(email.status, 'proposed');
    assert.deepEqual(email.detectedBy, ['name', 'content']);
    assert.equal(email.evidenceCount, 30);
    assert.ok(email.confidence > 0.9);
    // Every sampled IBAN passes its checksum; every phone (non-null) matches.
    const iban = list.body.items.find((e: any) => e.datasetId === customers.datasetId && e.column === 'iban');
    assert.equal(iban.evidenceCount, 30);
    const phone = list.body.items.find((e: any) => e.datasetId === customers.datasetId && e.column === 'phone');
    assert.equal(phone.evidenceCount, CUSTOMERS.filter((c) => c[2] !== null).length);
    const recordEmail = list.body.items.find((e: any) => e.datasetId === events.datasetId && e.category === 'email');
    assert.equal(recordEmail.evidenceCount, EVENTS.filter((e) => e.email).length);

    // A person confirms the e-mail column and rejects the name column.
    const confirmed = await t.request('PATCH', `/api/v1/compliance/catalogue/${email.id}`, { token, body: { status: 'confirmed' } });
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
    assert.equal(confirmed.body.status, 'confirmed');
    const name = list.body.items.find((e: any) => e.datasetId === customers.datasetId && e.column === 'full_name');
    const rejected = await t.request('PATCH', `/api/v1/compliance/catalogue/${name.id}`, { token, body: { status: 'rejected' } });
    assert.equal(rejected.body.status, 'rejected');

    // A new scan keeps people's decisions.
    await t.request('POST', '/api/v1/compliance/discovery', { token, body: { datasetId: customers.datasetId } });
    const again = await t.request('GET', `/api/v1/compliance/catalogue?datasetId=${customers.datasetId}`, { token });
    const statuses = Object.fromEntries(again.body.items.map((e: any) => [e.column, e.status]));
    assert.deepEqual(statuses, { email: 'confirmed', full_name: 'rejected', iban: 'proposed', phone: 'proposed' });
  });

  it('exports exactly the subject\'s rows of every dataset, as JSON and as CSV', async () => {
    const done = await submit({ type: 'access', regulation: 'gdpr', subject: { email: ' ADA@example.COM ' } });
    assert.equal(done.status, 'completed', done.reason ?? '');
    assert.equal(done.overdue, false);

    const json = await t.request('GET', `/api/v1/compliance/requests/${done.id}/export?format=json`, { token });
    assert.equal(json.status, 200);
    assert.match(json.headers.get('content-disposition') ?? '', /attachment/);
    const byDataset = new Map<string, any>(json.body.datasets.map((d: any) => [d.datasetId, d]));
    assert.deepEqual([...byDataset.keys()].sort(), [customers.datasetId, events.datasetId, products.datasetId].sort());

    const expectedCustomers = customersOf(ADA);
    assert.equal(expectedCustomers.length, 3);
    const exported = byDataset.get(customers.datasetId);
    assert.deepEqual(exported.columns, CUSTOMER_COLUMNS.map((c) => c.name));
    assert.deepEqual(
      exported.records.map((r: any) => [r.id, r.email, r.phone, r.iban, r.full_name, Date.parse(r.created_at)]).sort((a: any, b: any) => a[0] - b[0]),
      expectedCustomers.map((c) => [c[0], c[1], c[2], c[3], c[4], Date.parse(c[6])]),
    );
    const expectedEvents = eventsOf(ADA);
    assert.equal(expectedEvents.length, 4);
    assert.deepEqual(
      byDataset.get(events.datasetId).records.map((r: any) => r.record).sort((a: any, b: any) => a.id - b.id),
      expectedEvents,
    );
    assert.deepEqual(byDataset.get(products.datasetId).records, []);

    const ambiguous = await t.request('GET', `/api/v1/compliance/requests/${done.id}/export?format=csv`, { token });
    assert.equal(ambiguous.status, 400);
    assert.match(ambiguous.body.message, /datasetId/);
    const csv = await t.request('GET', `/api/v1/compliance/requests/${done.id}/export?format=csv&datasetId=${customers.datasetId}`, { token });
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
    const [header, ...rows]: string[][] = parse(csv.body as string);
    assert.deepEqual(header, CUSTOMER_COLUMNS.map((c) => c.name));
    assert.deepEqual(
      rows.map((r) => [Number(r[0]), r[1], r[2] || null, r[3], r[4]]).sort((a, b) => (a[0] as number) - (b[0] as number)),
      expectedCustomers.map((c) => [c[0], c[1], c[2], c[3], c[4]]),
    );
    const eventsCsv = await t.request('GET', `/api/v1/compliance/requests/${done.id}/export?format=csv&datasetId=${events.datasetId}`, { token });
    const [eventsHeader, ...eventRows]: string[][] = parse(eventsCsv.body as string);
    assert.deepEqual(eventsHeader, ['record']);
    assert.deepEqual(eventRows.map((r) => JSON.parse(r[0]!)).sort((a, b) => a.id - b.id), expectedEvents);

    // Every dataset is in the receipt, with its count.
    const receipt = done.receipt;
    assert.deepEqual(
      Object.fromEntries(receipt.datasets.map((d: any) => [d.datasetId, d.rowsExported])),
      { [customers.datasetId]: 3, [events.datasetId]: 4, [products.datasetId]: 0 },
    );
    const { rows: audit } = await db.query(`SELECT details FROM audit_log WHERE action = 'subject.export' AND target = $1`, [`compliance_request:${done.id}`]);
    assert.equal(audit.length, 3);
  });

  it('erases the subject from every archive in one go, leaves everyone else as they were, and proves it with a receipt', async () => {
    const before = { customers: await snapshot(customers), events: await snapshot(events), products: await snapshot(products) };
    const isAda = (j: string) => {
      const row = JSON.parse(j);
      return ADA.map(lower).includes(lower(row.email ?? row.record?.email));
    };
    assert.equal(before.customers.filter(isAda).length, 3);
    assert.equal(before.events.filter(isAda).length, 4);
    assert.ok((await findAnywhere('ada@example.com')) > 0);

    const done = await submit({ type: 'erasure', regulation: 'gdpr', subject: { email: 'ada@example.com' } });
    assert.equal(done.status, 'completed', done.reason ?? '');
    assert.equal(done.mode, 'delete');

    assert.equal(await findAnywhere('ada@example.com'), 0);
    assert.deepEqual(await snapshot(customers), before.customers.filter((j) => !isAda(j)));
    assert.deepEqual(await snapshot(events), before.events.filter((j) => !isAda(j)));
    assert.deepEqual(await snapshot(products), before.products);
    const { rows: counts } = await db.query('SELECT id, row_count::int AS n FROM archive_datasets');
    assert.deepEqual(Object.fromEntries(counts.map((r) => [r.id, r.n])), {
      [customers.datasetId]: 27,
      [events.datasetId]: 20,
      [products.datasetId]: 10,
    });

    const receipt = done.receipt;
    assert.equal(receipt.requestId, done.id);
    assert.equal(receipt.status, 'completed');
    assert.deepEqual(
      receipt.datasets.map((d: any) => [d.datasetId, d.table, d.rowsMatched, d.rowsErased]).sort(),
      [
        [customers.datasetId, `archive.${customers.tableName}`, 3, 3],
        [events.datasetId, `archive.${events.tableName}`, 4, 4],
        [products.datasetId, `archive.${products.tableName}`, 0, 0],
      ].sort(),
    );
    assert.deepEqual(receipt.totals, { datasets: 3, rowsMatched: 7, rowsErased: 7 });
    assert.deepEqual(receipt.exceptions, []);
    for (const field of ['receivedAt', 'dueAt', 'startedAt', 'completedAt']) assert.ok(Date.parse(receipt[field]) > 0, field);

    // The stored receipt is the hashed text, byte for byte; it and the request hold only a digest of the e-mail.
    const raw = await fetch(`${t.url}/api/v1/compliance/requests/${done.id}/receipt`, { headers: { authorization: `Bearer ${token}` } });
    const text = await raw.text();
    const digest = createHash('sha256').update(text).digest('hex');
    assert.equal(raw.headers.get('x-receipt-sha256'), digest);
    assert.equal(done.receiptSha256, digest);
    assert.ok(!text.toLowerCase().includes('ada@'));
    assert.match(done.subject.email, /^sha256:[0-9a-f]{64}$/);
    const { rows: stored } = await db.query('SELECT subject::text AS s FROM compliance_requests WHERE id = $1', [done.id]);
    assert.ok(!stored[0].s.includes('ada@'));
    const { rows: audit } = await db.query(`SELECT details FROM audit_log WHERE action = 'subject.erase' AND target = $1`, [`compliance_request:${done.id}`]);
    assert.equal(audit.length, 1);
    assert.equal(audit[0].details.rowsAffected, 7);
  });

  it('keeps a dataset under legal hold, erases the rest, and says which hold blocked what', async () => {
    const hold = await t.request('POST', '/api/v1/compliance/legal-holds', { token, body: { datasetId: events.datasetId, reason: 'litigation 2025-17' } });
    assert.equal(hold.status, 201, JSON.stringify(hold.body));
    const eventsBefore = await snapshot(events);

    const done = await submit({ type: 'erasure', regulation: 'ccpa', subject: { email: 'grace@example.com' } });
    assert.equal(done.status, 'completed_with_exceptions', done.reason ?? '');
    // Held rows still hold the e-mail, so the request keeps it too, to be repeated after the hold.
    assert.equal(done.subject.email, 'grace@example.com');
    assert.deepEqual(await snapshot(events), eventsBefore);
    const graceEvents = eventsOf(GRACE).length;
    assert.equal(graceEvents, 4);
    assert.equal(await findAnywhere('grace@example.com'), graceEvents);
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM ${customers.table} WHERE email = 'grace@example.com'`);
    assert.equal(rows[0].n, 0);

    const receipt = done.receipt;
    assert.deepEqual(receipt.exceptions, [
      { datasetId: events.datasetId, table: `archive.${events.tableName}`, legalHoldId: hold.body.id, reason: 'litigation 2025-17', rowsRetained: graceEvents },
    ]);
    const held = receipt.datasets.find((d: any) => d.datasetId === events.datasetId);
    assert.deepEqual([held.rowsMatched, held.rowsErased, held.blockedByLegalHolds], [graceEvents, 0, [{ id: hold.body.id, reason: 'litigation 2025-17' }]]);
    assert.equal(receipt.datasets.find((d: any) => d.datasetId === customers.datasetId).rowsErased, customersOf(GRACE).length);

    // A held dataset cannot be deleted either.
    await assert.rejects(db.query('DELETE FROM archive_datasets WHERE id = $1', [events.datasetId]), /legal hold/);
    const released = await t.request('DELETE', `/api/v1/compliance/legal-holds/${hold.body.id}`, { token });
    assert.equal(released.status, 200);
    assert.equal(released.body.active, false);
  });

  it('anonymises instead of deleting when asked: rows stay, the catalogued personal data goes', async () => {
    const expected = customersOf(ALAN);
    const done = await submit({ type: 'erasure', regulation: 'gdpr', subject: { email: 'ALAN@example.com' }, mode: 'anonymise' });
    assert.equal(done.status, 'completed', done.reason ?? '');
    assert.equal(done.receipt.totals.rowsAnonymised, expected.length + eventsOf(ALAN).length);
    assert.equal(await findAnywhere('alan@example.com'), 0);
    const { rows } = await db.query(`SELECT id, email, phone, iban, full_name, notes FROM ${customers.table} WHERE id = ANY($1) ORDER BY id`, [expected.map((c) => c[0])]);
    // The rejected name column is kept; the others are replaced.
    assert.deepEqual(rows, expected.map((c) => ({ id: c[0], email: '[erased]', phone: c[2] === null ? null : '[erased]', iban: '[erased]', full_name: c[4], notes: c[5] })));
    const { rows: records } = await db.query(`SELECT record FROM ${events.table} WHERE (record->>'id')::int = ANY($1) ORDER BY (record->>'id')::int`, [eventsOf(ALAN).map((e) => e.id)]);
    assert.deepEqual(
      records.map((r) => r.record),
      eventsOf(ALAN).map((e) => ({ ...e, email: '[erased]', contact: { phone: '[erased]' } })),
    );
  });

  it('rectifies a column and the JSON field of the same name in every dataset', async () => {
    const done = await submit({ type: 'rectification', regulation: 'gdpr', subject: { email: 'linus@example.com' }, rectification: { email: 'linus@new.example.org' } });
    assert.equal(done.status, 'completed', done.reason ?? '');
    const expected = { [customers.datasetId]: customersOf(LINUS).length, [events.datasetId]: eventsOf(LINUS).length, [products.datasetId]: 0 };
    assert.deepEqual(Object.fromEntries(done.receipt.datasets.map((d: any) => [d.datasetId, d.rowsRectified])), expected);
    assert.equal(await findAnywhere('linus@example.com'), 0);
    assert.equal(await findAnywhere('linus@new.example.org'), expected[customers.datasetId]! + expected[events.datasetId]!);
    const { rows } = await db.query(`SELECT id FROM ${customers.table} WHERE email = 'linus@new.example.org' ORDER BY id`);
    assert.deepEqual(rows.map((r) => r.id), customersOf(LINUS).map((c) => c[0]));
    assert.equal(done.subject.email, 'linus@example.com');
  });

  it('completes a request for an unknown subject with an empty result', async () => {
    const before = [await snapshot(customers), await snapshot(events)];
    const done = await submit({ type: 'erasure', regulation: 'gdpr', subject: { email: 'nobody@nowhere.example', customerId: 'C-404' } });
    assert.equal(done.status, 'completed');
    assert.deepEqual(done.receipt.totals, { datasets: 3, rowsMatched: 0, rowsErased: 0 });
    assert.deepEqual([await snapshot(customers), await snapshot(events)], before);
    const access = await submit({ type: 'portability', regulation: 'ccpa', subject: { phone: '+1 555 000 0000' } });
    assert.equal(access.status, 'completed');
    assert.equal(access.result.rowsMatched, 0);
  });

  it('flags requests past their legal deadline', async () => {
    const insert = (regulation: string, receivedAt: string, status: string) =>
      db
        .query<{ id: string; due_at: Date }>(
          `INSERT INTO compliance_requests (id, type, regulation, subject, received_at, status)
           VALUES (gen_random_uuid(), 'access', $1, '{"email":"late@example.com"}', $2, $3) RETURNING id, due_at`,
          [regulation, receivedAt, status],
        )
        .then((r) => r.rows[0]!);
    const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000);
    // GDPR: one calendar month, to the last day of a shorter month.
    const late = await insert('gdpr', '2024-01-31T10:00:00Z', 'received');
    assert.equal(late.due_at.toISOString(), '2024-02-29T10:00:00.000Z');
    // CCPA: 45 days, so 40 days in it is not late yet.
    const ccpaReceived = daysAgo(40);
    const ccpa = await insert('ccpa', ccpaReceived.toISOString(), 'in_progress');
    assert.equal(ccpa.due_at.getTime(), ccpaReceived.getTime() + 45 * 86_400_000);
    const recent = await insert('gdpr', daysAgo(20).toISOString(), 'received');
    const answered = await insert('gdpr', '2023-05-31T00:00:00Z', 'completed');

    const res = await t.request('GET', '/api/v1/compliance/requests?overdue=true', { token });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.items.map((r: any) => r.id), [late.id]);
    assert.equal(res.body.items[0].dueAt, '2024-02-29T10:00:00.000Z');
    const open = await t.request('GET', '/api/v1/compliance/requests?overdue=false&limit=500', { token });
    const ids = open.body.items.map((r: any) => r.id);
    for (const id of [ccpa.id, recent.id, answered.id]) assert.ok(ids.includes(id));
    assert.ok(!ids.includes(late.id));

    // An open request can be turned down, with the reason.
    const rejected = await t.request('POST', `/api/v1/compliance/requests/${recent.id}/reject`, { token, body: { reason: 'identity not verified' } });
    assert.equal(rejected.status, 200, JSON.stringify(rejected.body));
    assert.deepEqual([rejected.body.status, rejected.body.reason, rejected.body.overdue], ['rejected', 'identity not verified', false]);

    const metrics = await fetch(`${t.url}/metrics`).then((r) => r.text());
    assert.match(metrics, /^compliance_requests_overdue 1$/m);
    assert.match(metrics, /^compliance_requests_total\{type="erasure",regulation="gdpr",status="completed"\} \d+$/m);
    assert.match(metrics, /^compliance_requests_total\{type="erasure",regulation="ccpa",status="completed_with_exceptions"\} 1$/m);
  });

  it('refuses bad input with a 4xx and the reason, and starts nothing', async () => {
    const { rows: before } = await db.query('SELECT count(*)::int AS n FROM compliance_requests');
    const unknownId = '00000000-0000-4000-8000-000000000000';
    const cases: Array<[string, string, unknown, number, RegExp]> = [
      ['POST', '/api/v1/compliance/requests', { type: 'deletion', regulation: 'gdpr', subject: { email: 'a@b.org' } }, 400, /type/],
      ['POST', '/api/v1/compliance/requests', { type: 'access', regulation: 'gdpr', subject: {} }, 400, /at least one identifier/],
      ['POST', '/api/v1/compliance/requests', { type: 'access', regulation: 'gdpr' }, 400, /subject/],
      ['POST', '/api/v1/compliance/requests', { type: 'access', regulation: 'gdpr', subject: { email: 'nope' } }, 400, /e-mail/],
      ['POST', '/api/v1/compliance/requests', { type: 'access', regulation: 'gdpr', subject: { nickname: 'x' } }, 400, /nickname|unrecognized/i],
      ['POST', '/api/v1/compliance/requests', { type: 'access', regulation: 'hipaa', subject: { email: 'a@b.org' } }, 400, /regulation/],
      ['POST', '/api/v1/compliance/requests', { type: 'access', regulation: 'gdpr', subject: { email: 'a@b.org' }, mode: 'anonymise' }, 400, /only an erasure/],
      ['POST', '/api/v1/compliance/requests', { type: 'rectification', regulation: 'gdpr', subject: { email: 'a@b.org' } }, 400, /new values/],
      ['POST', '/api/v1/compliance/requests', { type: 'rectification', regulation: 'gdpr', subject: { email: 'a@b.org' }, rectification: { shoe_size: 42 } }, 422, /neither a column/],
      ['POST', '/api/v1/compliance/requests', { type: 'rectification', regulation: 'gdpr', subject: { email: 'a@b.org' }, rectification: { id: 'abc' } }, 422, /does not fit column id \(integer\)/],
      ['POST', '/api/v1/compliance/discovery', { datasetId: unknownId }, 422, /does not exist/],
      ['POST', '/api/v1/compliance/discovery', { datasetId: 'not-a-uuid' }, 400, /datasetId/],
      ['POST', '/api/v1/compliance/legal-holds', { datasetId: unknownId, reason: 'x' }, 422, /does not exist/],
      ['POST', '/api/v1/compliance/catalogue', { datasetId: customers.datasetId, column: 'nope', category: 'email' }, 422, /no column "nope"/],
      ['POST', '/api/v1/compliance/catalogue', { datasetId: customers.datasetId, column: 'email', jsonPath: ['x'], category: 'email' }, 422, /not JSON/],
      ['GET', '/api/v1/compliance/requests/not-a-uuid', undefined, 404, /does not exist/],
      ['GET', `/api/v1/compliance/requests/${unknownId}`, undefined, 404, /does not exist/],
      ['GET', '/api/v1/compliance/requests/not-a-uuid/export', undefined, 404, /does not exist/],
      ['PATCH', '/api/v1/compliance/catalogue/not-a-uuid', { status: 'confirmed' }, 404, /does not exist/],
      ['PATCH', `/api/v1/compliance/catalogue/${unknownId}`, { status: 'maybe' }, 400, /status/],
      ['DELETE', '/api/v1/compliance/legal-holds/not-a-uuid', undefined, 404, /does not exist/],
      ['POST', `/api/v1/compliance/requests/${unknownId}/reject`, { reason: 'x' }, 404, /does not exist/],
    ];
    for (const [method, url, body, status, message] of cases) {
      const res = await t.request(method, url, { token, ...(body === undefined ? {} : { body }) });
      assert.equal(res.status, status, `${method} ${url} ${JSON.stringify(body)} → ${res.status} ${JSON.stringify(res.body)}`);
      assert.match(res.body.message, message, `${method} ${url} ${JSON.stringify(body)}`);
    }
    const { rows: after } = await db.query('SELECT count(*)::int AS n FROM compliance_requests');
    assert.equal(after[0].n, before[0].n);

    const erasure = (await t.request('GET', '/api/v1/compliance/requests?type=erasure', { token })).body.items[0];
    const noExport = await t.request('GET', `/api/v1/compliance/requests/${erasure.id}/export`, { token });
    assert.equal(noExport.status, 409);
    assert.match(noExport.body.message, /only access and portability/);
    const closed = await t.request('POST', `/api/v1/compliance/requests/${erasure.id}/reject`, { token, body: { reason: 'late' } });
    assert.equal(closed.status, 409);
  });

  it('documents its routes in the OpenAPI document', async () => {
    const spec = await t.request('GET', '/openapi.json');
    assert.equal(spec.status, 200);
    for (const path of [
      '/api/v1/compliance/discovery',
      '/api/v1/compliance/catalogue/{id}',
      '/api/v1/compliance/requests',
      '/api/v1/compliance/requests/{id}/export',
      '/api/v1/compliance/retention-policies/{id}/run',
      '/api/v1/compliance/legal-holds',
    ]) {
      assert.ok(spec.body.paths[path], `${path} is documented`);
    }
    // A scan of every dataset needs no body at all.
    const bare = await fetch(`${t.url}/api/v1/compliance/discovery`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    assert.equal(bare.status, 200, await bare.text());
  });

  it('lets auditors read but not act, and analysts neither', async () => {
    const tokens: Record<string, string> = {};
    for (const role of ['auditor', 'analyst']) {
      const password = `${role} compliance words`;
      const res = await t.request('POST', '/api/v1/users', { token, body: { username: `c-${role}`, password, role } });
      assert.equal(res.status, 201);
      tokens[role] = await t.login(`c-${role}`, password);
    }
    const create = { type: 'access', regulation: 'gdpr', subject: { email: 'a@b.org' } };
    assert.equal((await t.request('GET', '/api/v1/compliance/requests', { token: tokens.auditor })).status, 200);
    assert.equal((await t.request('GET', '/api/v1/compliance/catalogue', { token: tokens.auditor })).status, 200);
    assert.equal((await t.request('POST', '/api/v1/compliance/requests', { token: tokens.auditor, body: create })).status, 403);
    const access = (await t.request('GET', '/api/v1/compliance/requests?type=access', { token: tokens.auditor })).body.items[0];
    assert.equal((await t.request('GET', `/api/v1/compliance/requests/${access.id}`, { token: tokens.auditor })).status, 200);
    assert.equal((await t.request('GET', `/api/v1/compliance/requests/${access.id}/export`, { token: tokens.auditor })).status, 403);
    assert.equal((await t.request('POST', '/api/v1/compliance/discovery', { token: tokens.auditor, body: {} })).status, 403);
    assert.equal((await t.request('GET', '/api/v1/compliance/requests', { token: tokens.analyst })).status, 403);
    assert.equal((await t.request('POST', '/api/v1/compliance/requests', { body: create })).status, 401);
  });
});
