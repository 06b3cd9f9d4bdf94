import { describe, expect, it } from 'vitest';
import { type CallOptions, type Envelope, type ErrorJson, useDemoUpstream } from './helpers.js';

const demo = useDemoUpstream();

type Json = Record<string, unknown>;
const get = <T = Json>(path: string, options: CallOptions = {}) => demo.call<T>(path, options);

describe('compute resources', () => {
  it('finds a compute resource by id or "id-name", never by name', async () => {
    expect((await get('/api/compute_resources/3')).json.name).toBe('aws-eu-west-1');
    expect((await get('/api/compute_resources/3-aws')).json.name).toBe('aws-eu-west-1');
    const byName = await get<ErrorJson>('/api/compute_resources/aws-eu-west-1');
    expect(byName.status).toBe(404);
    expect(byName.json.error.message).toBe(
      "Resource compute_resource not found by id 'aws-eu-west-1'",
    );
  });

  it('merges the provider partial into each compute resource, never the password', async () => {
    const { json } = await get<Envelope<Json>>('/api/compute_resources');
    const byName = Object.fromEntries(json.results.map((c) => [c.name, c]));
    expect(byName['kvm-lab']).toMatchObject({
      provider: 'Libvirt',
      provider_friendly_name: 'Libvirt',
      display_type: 'vnc',
      set_console_password: true,
    });
    expect(byName['aws-eu-west-1']).toMatchObject({
      provider: 'EC2',
      access_key: 'AKIAIOSFODNN7EXAMPLE',
      region: 'eu-west-1',
      url: 'eu-west-1',
    });
    expect(byName['vcenter-prod']).toMatchObject({
      provider: 'Vmware',
      provider_friendly_name: 'VMware',
      datacenter: 'Frankfurt-DC',
      server: 'vcenter.example.com',
      caching_enabled: true,
      display_type: 'vmrc',
    });
    expect(byName['ovirt-dc1']).toMatchObject({ provider: 'Ovirt', keyboard_layout: 'de' });
    expect(byName['ovirt-dc1']).not.toHaveProperty('use_v4');
    expect(byName['openstack-cloud']).toMatchObject({
      provider_friendly_name: 'OpenStack',
      tenant: 'infra',
      project_domain_id: 'default',
    });
    for (const cr of json.results) expect(cr).not.toHaveProperty('password');
  });

  it('renders show with images, compute attributes and taxonomies', async () => {
    const { json } = await get('/api/compute_resources/5');
    expect((json.images as unknown[]).length).toBe(
      demo.upstream.store.images.filter((i) => i.computeResourceId === 5).length,
    );
    expect(json.compute_attributes).toHaveLength(3);
    expect((json.compute_attributes as Json[])[0]).toMatchObject({
      compute_profile_name: '1-Small',
      compute_resource_name: 'openstack-cloud',
      vm_attrs: { flavor_ref: 'm1.small' },
    });
    expect(json.locations).toEqual([
      { id: 2, name: 'Lab', title: 'Lab', description: 'Engineering lab in building B' },
      { id: 3, name: 'Frankfurt DC', title: 'Frankfurt DC', description: 'Primary datacenter' },
    ]);
    expect((await get('/api/compute_resources/7')).json.images).toEqual([]);
  });

  it('limits compute resources to a location given in the path or the query', async () => {
    const inPath = await get<Envelope<{ id: number }>>('/api/locations/2/compute_resources');
    expect(inPath.json.results.map((c) => c.id)).toEqual([7, 1, 5]);
    expect(inPath.headers.get('foreman_current_location')).toBe('2; Lab');
    const inQuery = await get<Envelope<{ id: number }>>('/api/compute_resources?location_id=2');
    expect(inQuery.json.results.map((c) => c.id)).toEqual([7, 1, 5]);
    const unknown = await get('/api/organizations/42/compute_resources');
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ message: 'Organization with id 42 not found' });
  });
});
