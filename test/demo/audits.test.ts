import { describe, expect, it } from 'vitest';
import { DEMO_VIEWER } from '../../src/demo/index.js';
import {
  type CallOptions,
  type Envelope,
  type ErrorJson,
  type ImageJson,
  imageOf,
  useDemoUpstream,
  validImageBody,
} from './helpers.js';

const demo = useDemoUpstream({ resetDataEachTest: true });

interface AuditJson {
  id: number;
  user_id: number | null;
  user_type: null;
  user_name: string | null;
  version: number;
  remote_address: string | null;
  created_at: string;
  request_uuid: string;
  auditable_id: number;
  auditable_name: string | null;
  auditable_type: string;
  action: string;
  audited_changes: Record<string, unknown>;
  locations: Array<{ id: number; name: string }>;
  organizations: Array<{ id: number; name: string }>;
}

const audits = (query = '', options: CallOptions = {}) =>
  demo.call<Envelope<AuditJson>>(`/api/audits${query}`, options);
const search = (text: string, extra = '', options: CallOptions = {}) =>
  audits(`?per_page=all&search=${encodeURIComponent(text)}${extra}`, options);
const send = <T = ImageJson>(method: string, path: string, options: CallOptions = {}) =>
  demo.call<T>(path, { method, ...options });

/** The audit rows of one image, oldest first. */
async function auditsOf(imageId: number): Promise<AuditJson[]> {
  const { json } = await search(`type = image and auditable_id = ${imageId}`, '&order=id');
  return json.results;
}

const SEEDED = 485;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('GET /api/audits', () => {
  it('lists the seeded history newest first, in the index envelope', async () => {
    const { status, json } = await audits();
    expect(status).toBe(200);
    expect(json).toMatchObject({
      total: SEEDED,
      subtotal: SEEDED,
      page: 1,
      per_page: 20,
      search: null,
      sort: { by: null, order: null },
    });
    expect(json.results).toHaveLength(20);
    const times = json.results.map((a) => a.created_at);
    expect([...times].sort().reverse()).toEqual(times);
    const types = new Set(demo.upstream.store.audits.map((a) => a.auditableType));
    expect(types).toEqual(new Set(['Architecture', 'Operatingsystem', 'ComputeResource', 'Image']));
  });

  it("renders each audit with Foreman's keys in Foreman's order", async () => {
    const { json } = await demo.call<AuditJson>('/api/audits/1');
    expect(Object.keys(json)).toEqual([
      'user_id',
      'user_type',
      'user_name',
      'version',
      'comment',
      'associated_id',
      'associated_type',
      'remote_address',
      'associated_name',
      'created_at',
      'request_uuid',
      'id',
      'auditable_id',
      'auditable_name',
      'auditable_type',
      'action',
      'audited_changes',
      'locations',
      'organizations',
    ]);
    expect(json).toMatchObject({
      user_id: 4,
      user_type: null,
      user_name: 'admin',
      comment: null,
      associated_id: null,
      created_at: '2023-01-09 08:00:14 UTC',
      auditable_type: 'Architecture',
      auditable_name: 'x86_64',
      audited_changes: { name: 'x86_64' },
    });
  });

  it('gives the viewer every audit, compute resources it cannot see included', async () => {
    const asViewer = { as: DEMO_VIEWER };
    expect((await demo.call('/api/compute_resources/2', asViewer)).status).toBe(404);
    const hidden = await search('type = compute_resource and auditable_id = 2', '', asViewer);
    expect(hidden.status).toBe(200);
    expect(hidden.json.results).toHaveLength(1);
    const [cr] = hidden.json.results;
    expect(cr?.auditable_name).toBe('vcenter-prod (VMware)');
    expect(cr?.audited_changes).toMatchObject({
      url: 'vcenter.example.com',
      password: '[redacted]',
      location_ids: expect.any(Array),
    });
    expect(cr?.locations.length).toBeGreaterThan(0);
    const images = await search('type = image', '', asViewer);
    const onHidden = images.json.results.filter((a) => a.audited_changes.compute_resource_id === 2);
    expect(onHidden).toHaveLength(300);
    // Timestamps in the viewer's time zone.
    expect(cr?.created_at).toMatch(/ \+0200$/);
  });

  it('shows one audit by id, to_i style, and 404s an unknown one', async () => {
    expect((await demo.call<AuditJson>('/api/audits/7-whatever')).json.id).toBe(7);
    const missing = await demo.call<ErrorJson>('/api/audits/abc');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ error: { message: "Resource audit not found by id 'abc'" } });
  });

  it('filters by a location parent and fails on a parent Audit has no association to', async () => {
    const lab = await audits('?location_id=2&per_page=all');
    expect(lab.json.results.map((a) => a.auditable_type)).toEqual(
      lab.json.results.map(() => 'ComputeResource'),
    );
    expect(lab.json.results.length).toBeGreaterThan(0);
    const parent = await audits('?compute_resource_id=1');
    expect(parent.status).toBe(500);
    expect(parent.json).toEqual({
      error: { message: 'Association not found for compute_resource' },
    });
  });
});

describe('audits of image writes through the API', () => {
  it('writes a create row with every audited column in table order', async () => {
    const created = await send('POST', '/api/compute_resources/1/images', {
      json: { image: validImageBody },
      headers: { 'X-Request-Id': 'gw:req/42', 'X-Forwarded-For': '203.0.113.5' },
    });
    expect(created.status).toBe(201);
    const [row] = await auditsOf(created.json.id);
    expect(row).toMatchObject({
      id: SEEDED + 1,
      user_id: 4,
      user_name: 'admin',
      version: 1,
      remote_address: '203.0.113.5',
      request_uuid: 'gwreq42',
      auditable_id: created.json.id,
      auditable_name: 'demo-image',
      auditable_type: 'Image',
      action: 'create',
      locations: [],
      organizations: [],
    });
    expect(Object.entries(row?.audited_changes ?? {})).toEqual([
      ['operatingsystem_id', 2],
      ['compute_resource_id', 1],
      ['architecture_id', 1],
      ['uuid', validImageBody.uuid],
      ['username', 'root'],
      ['name', 'demo-image'],
      ['iam_role', null],
      ['user_data', false],
      ['password', '[redacted]'],
    ]);
  });

  it('writes only changed attributes on update, the old name, and the next version', async () => {
    const image = imageOf(demo.upstream, 1);
    const path = `/api/compute_resources/1/images/${image.id}`;
    await send('PUT', path, { json: { image: { name: ' renamed ', username: image.username } } });
    await send('PUT', path, { json: { image: { password: 'new-secret' } } });
    // Nothing changed: no audit row.
    await send('PUT', path, { json: { image: { name: 'renamed' } } });
    const rows = await auditsOf(image.id);
    expect(rows.map((a) => [a.action, a.version, a.auditable_name])).toEqual([
      ['create', 1, image.name],
      ['update', 2, image.name],
      ['update', 3, 'renamed'],
    ]);
    expect(rows[1]?.audited_changes).toEqual({ name: [image.name, 'renamed'] });
    expect(rows[2]?.audited_changes).toEqual({ password: ['[redacted]', '[redacted]'] });
    expect(rows[2]?.request_uuid).toMatch(UUID);
  });

  it('writes a destroy row with the columns as they were', async () => {
    const image = imageOf(demo.upstream, 2);
    await send('DELETE', `/api/compute_resources/2/images/${image.id}`);
    const rows = await auditsOf(image.id);
    expect(rows.at(-1)).toMatchObject({
      action: 'destroy',
      version: 2,
      auditable_name: image.name,
      audited_changes: {
        compute_resource_id: 2,
        name: image.name,
        uuid: image.uuid,
        password: '[redacted]',
      },
    });
  });

  it('redacts any value starting with "encrypted-", not the auditable name', async () => {
    const created = await send('POST', '/api/compute_resources/1/images', {
      json: { image: { ...validImageBody, name: 'encrypted-looking' } },
    });
    const [row] = await auditsOf(created.json.id);
    expect(row?.audited_changes.name).toBe('[redacted]');
    expect(row?.auditable_name).toBe('encrypted-looking');
  });

  it('burns an audit id when the UPDATE fails after the audit insert', async () => {
    const image = imageOf(demo.upstream, 1);
    const path = `/api/compute_resources/1/images/${image.id}`;
    const failed = await send('PUT', path, { json: { image: { architecture_id: 99 } } });
    expect(failed.status).toBe(500);
    await send('PUT', path, { json: { image: { username: 'cloud-user' } } });
    const rows = await auditsOf(image.id);
    expect(rows.map((a) => a.id)).toEqual([expect.any(Number), SEEDED + 2]);
    expect(demo.upstream.store.audit(SEEDED + 1)).toBeUndefined();
  });

  it('writes nothing for requests that fail validation', async () => {
    await send('POST', '/api/compute_resources/1/images', { json: { image: { name: 'x' } } });
    expect(demo.upstream.store.audits).toHaveLength(SEEDED);
  });
});

describe('audit search', () => {
  const count = async (text: string) => (await search(text)).json.subtotal;

  it('maps type through its value set, case-sensitively, with = and != only', async () => {
    expect(await count('type = image')).toBe(464);
    expect(await count('type != image')).toBe(21);
    expect(await count('type = os')).toBe(9);
    expect(await count('type = host')).toBe(0);
    const capital = await search('type = Image');
    expect(capital.status).toBe(400);
    expect((capital.json as unknown as ErrorJson).error.message).toMatch(
      /^'auditable_type' should be one of 'architecture, bookmark, .*image.*, provisioning_template', but the query was 'Image'$/,
    );
    const list = await search('type ^ (image)');
    expect(list.status).toBe(400);
    expect((list.json as unknown as ErrorJson).error.message).toBe(
      "Operator 'in' not supported for 'auditable_type'",
    );
  });

  it('tails by id, ordered by id', async () => {
    const tail = await search('type = image and id > 480', '&order=id');
    expect(tail.json.results.map((a) => a.id)).toEqual(
      demo.upstream.store.audits
        .filter((a) => a.auditableType === 'Image' && a.id > 480)
        .map((a) => a.id),
    );
    expect(tail.json.sort).toEqual({ by: 'id', order: 'ASC' });
    const from = await search('id >= 484', '&order=id DESC');
    expect(from.json.results.map((a) => a.id)).toEqual([485, 484]);
    expect(from.json.sort).toEqual({ by: 'id', order: 'DESC' });
  });

  it('searches auditable_id, action, request_uuid and the user', async () => {
    const image = imageOf(demo.upstream, 1);
    await send('PUT', `/api/compute_resources/1/images/${image.id}`, {
      json: { image: { username: 'cloud-user' } },
      headers: { 'X-Request-Id': 'tail-me' },
    });
    expect(await count(`type = image and auditable_id = ${image.id}`)).toBe(2);
    // Without a type, every audited type's record with that id matches.
    const sameId = demo.upstream.store.audits.filter((a) => a.auditableId === image.id);
    expect(await count(`auditable_id = ${image.id}`)).toBe(sameId.length);
    expect(await count('action = update')).toBe(1);
    expect(await count('request_uuid = tail-me')).toBe(1);
    expect(await count('user = admin')).toBe(SEEDED + 1);
    expect(await count('user = viewer')).toBe(0);
    const mine = await search('user = current_user', '', { as: DEMO_VIEWER });
    expect(mine.json.subtotal).toBe(0);
    expect(await count('authored_by_user.id = current_user')).toBe(SEEDED + 1);
    const invalid = await search(`auditable_id = abc`);
    expect(invalid.status).toBe(400);
  });

  it('lets PostgreSQL refuse bad literals for id, which has no validator', async () => {
    const text = await search('id > abc');
    expect(text.status).toBe(500);
    expect(text.json).toEqual({
      error: {
        message:
          'PG::InvalidTextRepresentation: ERROR:  invalid input syntax for type integer: "abc"\n',
      },
    });
    const big = await search('id > 99999999999');
    expect(big.status).toBe(500);
    expect((big.json as unknown as ErrorJson).error.message).toMatch(/^PG::NumericValueOutOfRange/);
  });

  it('finds bare terms in the YAML of the changes', async () => {
    expect(await count('vcenter.example.com')).toBe(1);
    expect(await count('changes ~ "name: x86_64"')).toBe(1);
  });
});
