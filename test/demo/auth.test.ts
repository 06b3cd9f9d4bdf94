import { describe, expect, it } from 'vitest';
import { DEMO_VIEWER } from '../../src/demo/index.js';
import { type CallOptions, type Envelope, type ErrorJson, useDemoUpstream } from './helpers.js';

const demo = useDemoUpstream();

const get = <T = ErrorJson>(path: string, options: CallOptions = {}) => demo.call<T>(path, options);

describe('authentication', () => {
  it('rejects missing, wrong and non-Basic credentials with Foreman 401 bodies', async () => {
    const cases: Array<[CallOptions['as'], string]> = [
      [null, 'Unable to authenticate user '],
      [{ login: 'admin', password: 'nope' }, 'Unable to authenticate user admin'],
      [{ login: 'ghost', password: 'x' }, 'Unable to authenticate user ghost'],
      ['Bearer demo-admin-token', 'Unable to authenticate user '],
    ];
    for (const [as, message] of cases) {
      const response = await get('/api/architectures', { as });
      expect(response.status).toBe(401);
      expect(response.json).toEqual({ error: { message } });
      expect(response.headers.get('foreman_version')).toBeNull();
    }
  });

  it('requires credentials on every route, the status endpoint included', async () => {
    expect((await get('/api/status', { as: null })).status).toBe(401);
    expect((await get('/api/compute_resources/1/images/1', { as: null })).status).toBe(401);
  });

  it('accepts the admin personal access token as the Basic password', async () => {
    demo.upstream.resetRequests();
    const response = await get('/api/status', {
      as: { login: 'admin', password: 'demo-admin-token' },
    });
    expect(response.status).toBe(200);
    expect(demo.upstream.requests.map((r) => r.login)).toEqual(['admin']);
  });

  it('adds the Foreman version headers once authorized', async () => {
    const response = await get('/api/architectures');
    expect(response.headers.get('foreman_version')).toBe('3.13.0-develop');
    expect(response.headers.get('foreman_api_version')).toBe('2');
    expect(response.headers.get('foreman_current_location')).toBe('; ANY');
  });
});

describe('the restricted viewer', () => {
  const asViewer = { as: DEMO_VIEWER };

  it('sees all architectures and operating systems but only the Lab compute resources', async () => {
    expect((await get<Envelope<unknown>>('/api/architectures', asViewer)).json.total).toBe(5);
    expect((await get<Envelope<unknown>>('/api/operatingsystems', asViewer)).json.total).toBe(9);
    const crs = await get<Envelope<{ name: string }>>('/api/compute_resources', asViewer);
    expect(crs.json.results.map((c) => c.name)).toEqual([
      'kvm-empty',
      'kvm-lab',
      'openstack-cloud',
    ]);
    const hidden = await get('/api/compute_resources/2', asViewer);
    expect(hidden.status).toBe(404);
    expect(hidden.json).toEqual({
      error: { message: "Resource compute_resource not found by id '2'" },
    });
  });

  it('may use its own location but not others', async () => {
    const own = await get<Envelope<unknown>>('/api/compute_resources?location_id=2', asViewer);
    expect(own.status).toBe(200);
    expect(own.headers.get('foreman_current_location')).toBe('2; Lab');
    const foreign = await get('/api/compute_resources?location_id=3', asViewer);
    expect(foreign.status).toBe(404);
    expect(foreign.json).toEqual({ message: 'Location with id 3 not found' });
  });

  it('is denied every write with the missing permission named', async () => {
    const image = demo.upstream.store.images.find((i) => i.computeResourceId === 1);
    const cases: Array<[string, string, string]> = [
      ['POST', '/api/compute_resources/1/images', 'create_images'],
      ['PUT', `/api/compute_resources/1/images/${image?.id}`, 'edit_images'],
      ['PATCH', `/api/compute_resources/1/images/${image?.id}`, 'edit_images'],
      ['DELETE', `/api/compute_resources/1/images/${image?.id}`, 'destroy_images'],
    ];
    for (const [method, path, permission] of cases) {
      // 403 comes from authorize, before the media type check: text/plain does not matter.
      const response = await get(path, {
        ...asViewer,
        method,
        body: 'x',
        contentType: 'text/plain',
      });
      expect(response.status, method).toBe(403);
      expect(response.json).toEqual({
        error: {
          message: 'Access denied',
          details: `Missing one of the required permissions: ${permission}`,
          missing_permissions: [permission],
        },
      });
    }
    expect(demo.upstream.store.images.find((i) => i.id === image?.id)).toEqual(image);
  });
});
