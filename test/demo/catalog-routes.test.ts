import { describe, expect, it } from 'vitest';
import { type CallOptions, type Envelope, type ErrorJson, useDemoUpstream } from './helpers.js';

const demo = useDemoUpstream();

type Json = Record<string, unknown>;
const get = <T = Json>(path: string, options: CallOptions = {}) => demo.call<T>(path, options);

describe('routing', () => {
  it('serves /api and /api/v2 alike and ignores a trailing slash', async () => {
    const plain = await get('/api/architectures/1');
    expect(plain.status).toBe(200);
    expect((await get('/api/v2/architectures/1')).json).toEqual(plain.json);
    expect((await get('/api/architectures/1/')).json).toEqual(plain.json);
  });

  it('answers the status endpoint', async () => {
    const { status, json } = await get('/api/status');
    expect(status).toBe(200);
    expect(json).toEqual({ result: 'ok', status: 200, version: '3.13.0-develop', api_version: 2 });
  });

  it('answers unknown routes like Rails: JSON if asked for, else an HTML page', async () => {
    for (const path of ['/api/images', '/api/v1/architectures', '/api/architectures/1/hosts']) {
      const json = await get(path);
      expect(json.status, path).toBe(404);
      expect(json.json).toEqual({ status: 404, error: 'Not Found' });
    }
    const html = await get('/api/images', { headers: { accept: 'text/html' } });
    expect(html.status).toBe(404);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html.text).toContain("doesn't exist");
    const write = await get('/api/architectures', { method: 'POST', json: {} });
    expect(write.status).toBe(404);
  });
});

describe('architectures', () => {
  it('finds an architecture by id, by "id-name" and by name', async () => {
    for (const id of ['3', '3-aarch64', '3-anything', 'aarch64']) {
      const { status, json } = await get(`/api/architectures/${id}`);
      expect(status, id).toBe(200);
      expect(json.name).toBe('aarch64');
    }
    const missing = await get<ErrorJson>('/api/architectures/3abc');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({
      error: { message: "Resource architecture not found by id '3abc'" },
    });
  });

  it('renders show with operating systems by title and image children', async () => {
    const { json } = await get('/api/architectures/i386');
    expect(Object.keys(json)).toEqual([
      'name',
      'id',
      'created_at',
      'updated_at',
      'operatingsystems',
      'images',
    ]);
    expect(json.operatingsystems).toEqual([{ id: 5, name: 'Debian', title: 'Debian 12' }]);
    const expected = demo.upstream.store.images
      .filter((i) => i.architectureId === 2)
      .map((i) => ({ id: i.id, name: i.name }));
    expect(json.images).toEqual(expected);
    expect(json.created_at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
  });

  it('nests under an operating system, with an unwrapped 404 for an unknown one', async () => {
    const nested = await get<Envelope<{ name: string }>>('/api/operatingsystems/9/architectures');
    expect(nested.json.results.map((a) => a.name)).toEqual(['x86_64']);
    expect(nested.json.total).toBe(1);
    const byTitle = await get<Envelope<{ name: string }>>(
      `/api/operatingsystems/${encodeURIComponent('Debian 12')}/architectures`,
    );
    expect(byTitle.json.results.map((a) => a.name)).toEqual(['x86_64', 'i386', 'aarch64']);
    const missing = await get('/api/operatingsystems/99/architectures');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ message: "Operatingsystem not found by id '99'" });
    // The same parameter in the query string nests too.
    const hijacked = await get<Envelope<unknown>>('/api/architectures?operatingsystem_id=9');
    expect(hijacked.json.total).toBe(1);
  });
});

describe('operating systems', () => {
  it('finds an operating system by id, "id-title" and title, but not by name', async () => {
    for (const id of ['2', '2-RHEL-9-4', encodeURIComponent('RHEL 9.4')]) {
      const { status, json } = await get(`/api/operatingsystems/${id}`);
      expect(status, id).toBe(200);
      expect(json.id).toBe(2);
    }
    const alma = await get(`/api/operatingsystems/${encodeURIComponent('AlmaLinux 9.4')}`);
    expect(alma.json).toMatchObject({ id: 4, title: 'AlmaLinux 9.4', description: null });
    expect((await get('/api/operatingsystems/RedHat')).status).toBe(404);
  });

  it('renders main fields with string versions and show children', async () => {
    const { json } = await get('/api/operatingsystems/7');
    expect(json).toMatchObject({
      id: 7,
      name: 'Ubuntu',
      title: 'Ubuntu 24.04 LTS',
      major: '24',
      minor: '04',
      family: 'Debian',
      release_name: 'noble',
      password_hash: 'SHA512',
      architectures: [
        { name: 'x86_64', id: 1 },
        { name: 'aarch64', id: 3 },
        { name: 'ppc64le', id: 4 },
      ],
      media: [{ id: 5, name: 'Ubuntu mirror' }],
    });
    for (const key of ['parameters', 'ptables', 'provisioning_templates', 'os_default_templates']) {
      expect(Array.isArray(json[key]), key).toBe(true);
    }
    const imageIds = (json.images as Array<{ id: number }>).map((i) => i.id);
    expect(imageIds).toEqual(
      demo.upstream.store.images.filter((i) => i.operatingsystemId === 7).map((i) => i.id),
    );
  });

  it('masks hidden parameter values unless show_hidden=true', async () => {
    const value = async (query: string) => {
      const { json } = await get<{ parameters: Array<{ name: string; value: string }> }>(
        `/api/operatingsystems/2${query}`,
      );
      return json.parameters.find((p) => p.name === 'rhsm_activation_key')?.value;
    };
    expect(await value('')).toBe('*****');
    expect(await value('?show_hidden=true')).toBe('ak-rhel9-prod');
  });

  it('nests under an architecture by name, with an unwrapped 404 for an unknown one', async () => {
    const nested = await get<Envelope<{ id: number }>>('/api/architectures/s390x/operatingsystems');
    expect(nested.json.results.map((o) => o.id)).toEqual([1, 2, 8]);
    const missing = await get('/api/architectures/sparc/operatingsystems');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ message: "Architecture not found by id 'sparc'" });
  });
});
