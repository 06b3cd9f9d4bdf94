import { describe, expect, it } from 'vitest';
import { DEMO_VIEWER } from '../../src/demo/index.js';
import {
  type CallOptions,
  type Envelope,
  type ErrorJson,
  type ImageJson,
  useDemoUpstream,
} from './helpers.js';

const demo = useDemoUpstream();

const get = <T>(path: string, options: CallOptions = {}) => demo.call<T>(path, options);
const list = (path: string, options: CallOptions = {}) => get<Envelope<ImageJson>>(path, options);
const firstImageOf = (crId: number) => {
  const image = demo.upstream.store.images.find((i) => i.computeResourceId === crId);
  if (!image) throw new Error(`no image on compute resource ${crId}`);
  return image;
};

describe('image JSON', () => {
  it('renders the main view, with user_data and iam_role only where the provider has them', async () => {
    const libvirt = (await list('/api/compute_resources/1/images?per_page=all')).json.results;
    const vmware = (await list('/api/compute_resources/2/images?per_page=5')).json.results;
    const ec2 = (await list('/api/compute_resources/3/images?per_page=all')).json.results;
    for (const image of libvirt) {
      expect(image).not.toHaveProperty('user_data');
      expect(image).not.toHaveProperty('iam_role');
    }
    for (const image of vmware) {
      expect(typeof image.user_data).toBe('boolean');
      expect(image).not.toHaveProperty('iam_role');
    }
    for (const image of ec2) {
      expect(image).toHaveProperty('user_data');
      expect(image).toHaveProperty('iam_role');
    }
    expect(ec2.some((i) => i.iam_role === null)).toBe(true);
    expect(ec2.some((i) => typeof i.iam_role === 'string')).toBe(true);
    for (const image of [...libvirt, ...vmware, ...ec2])
      expect(image).not.toHaveProperty('password');
  });

  it('shows one image with its names resolved', async () => {
    const image = firstImageOf(3);
    const { status, json } = await get<ImageJson>(`/api/compute_resources/3/images/${image.id}`);
    expect(status).toBe(200);
    const os = demo.upstream.store.operatingsystem(image.operatingsystemId);
    expect(json).toEqual({
      operatingsystem_id: image.operatingsystemId,
      operatingsystem_name: os?.title,
      compute_resource_id: 3,
      compute_resource_name: 'aws-eu-west-1',
      architecture_id: image.architectureId,
      architecture_name: demo.upstream.store.architecture(image.architectureId)?.name,
      uuid: image.uuid,
      username: image.username,
      created_at: `${image.createdAt.toISOString().slice(0, 19).replace('T', ' ')} UTC`,
      updated_at: `${image.updatedAt.toISOString().slice(0, 19).replace('T', ' ')} UTC`,
      user_data: image.userData,
      iam_role: image.iamRole,
      id: image.id,
      name: image.name,
    });
  });

  it('uses "name major.minor" as operatingsystem_name when the OS has no description', async () => {
    const { json } = await list('/api/operatingsystems/4/images?per_page=1');
    expect(json.results[0]?.operatingsystem_name).toBe('AlmaLinux 9.4');
  });
});

describe('image parents', () => {
  it('lists images under an architecture by name, across compute resources', async () => {
    const { json } = await list('/api/architectures/aarch64/images?per_page=all');
    const expected = demo.upstream.store.images.filter((i) => i.architectureId === 3);
    expect(json.total).toBe(expected.length);
    expect(new Set(json.results.map((i) => i.compute_resource_id)).size).toBeGreaterThan(1);
  });

  it('lists images under an operating system by title', async () => {
    const { json } = await list(`/api/operatingsystems/${encodeURIComponent('RHEL 8.10')}/images`);
    expect(json.total).toBe(
      demo.upstream.store.images.filter((i) => i.operatingsystemId === 1).length,
    );
  });

  it('answers a missing parent with a 404 about the image, not the parent', async () => {
    const index = await get<ErrorJson>('/api/compute_resources/999/images');
    expect(index.status).toBe(404);
    expect(index.json).toEqual({ error: { message: "Resource image not found by id ''" } });
    const show = await get<ErrorJson>('/api/compute_resources/999/images/5');
    expect(show.json).toEqual({ error: { message: "Resource image not found by id '5'" } });
    const byName = await get<ErrorJson>('/api/compute_resources/kvm-lab/images');
    expect(byName.status).toBe(404);
    expect((await get('/api/architectures/sparc/images')).status).toBe(404);
  });

  it('answers an image of another parent with a 404', async () => {
    const image = firstImageOf(2);
    const wrong = await get<ErrorJson>(`/api/compute_resources/1/images/${image.id}`);
    expect(wrong.status).toBe(404);
    expect(wrong.json.error.message).toBe(`Resource image not found by id '${image.id}'`);
    const right = await get(`/api/compute_resources/2/images/${image.id}-whatever`);
    expect(right.status).toBe(200);
  });
});

describe('a *_id query parameter hijacks the parent', () => {
  it('makes architecture_id the parent and drops the compute resource', async () => {
    const { json } = await list('/api/compute_resources/1/images?architecture_id=3&per_page=all');
    const arch3 = demo.upstream.store.images.filter((i) => i.architectureId === 3);
    expect(json.total).toBe(arch3.length);
    expect(json.results.some((i) => i.compute_resource_id !== 1)).toBe(true);
    // The compute resource in the path does not even have to exist.
    const ghost = await list('/api/compute_resources/999/images?operatingsystem_id=2');
    expect(ghost.status).toBe(200);
    expect(ghost.json.total).toBe(
      demo.upstream.store.images.filter((i) => i.operatingsystemId === 2).length,
    );
  });

  it('drops the parent filter entirely for location_id and organization_id', async () => {
    const { json } = await list('/api/compute_resources/999/images?organization_id=1');
    expect(json.total).toBe(demo.upstream.store.images.length);
    const unknown = await get('/api/compute_resources/1/images?location_id=99');
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ message: 'Location with id 99 not found' });
  });

  it('uses the first *_id parameter, and 404s when the hijacking parent is unknown', async () => {
    const first = await list(
      '/api/compute_resources/1/images?operatingsystem_id=9&architecture_id=3',
    );
    expect(first.json.total).toBe(
      demo.upstream.store.images.filter((i) => i.operatingsystemId === 9).length,
    );
    const missing = await get<ErrorJson>('/api/compute_resources/1/images?architecture_id=99');
    expect(missing.status).toBe(404);
    expect(missing.json.error.message).toBe("Resource image not found by id ''");
  });

  it('applies to show: an image of another compute resource is found via the hijacking parent', async () => {
    const image = firstImageOf(2);
    const { status } = await get(
      `/api/compute_resources/1/images/${image.id}?architecture_id=${image.architectureId}`,
    );
    expect(status).toBe(200);
  });
});

describe('viewer visibility', () => {
  const asViewer = { as: DEMO_VIEWER };

  it('hides images under invisible compute resources but not under architectures', async () => {
    const hidden = await get<ErrorJson>('/api/compute_resources/2/images', asViewer);
    expect(hidden.status).toBe(404);
    expect(hidden.json.error.message).toBe("Resource image not found by id ''");
    const visible = await list('/api/compute_resources/1/images', asViewer);
    expect(visible.json.total).toBe(
      demo.upstream.store.images.filter((i) => i.computeResourceId === 1).length,
    );
    const global = await list(
      '/api/architectures/1/images?search=compute_resource%20%3D%20vcenter-prod',
      asViewer,
    );
    expect(global.json.subtotal).toBe(
      demo.upstream.store.images.filter((i) => i.computeResourceId === 2 && i.architectureId === 1)
        .length,
    );
    expect(global.json.subtotal).toBeGreaterThan(0);
  });

  it('renders every timestamp in the viewer timezone, +02:00', async () => {
    const image = firstImageOf(1);
    const path = `/api/compute_resources/1/images/${image.id}`;
    const admin = await get<ImageJson>(path);
    const viewer = await get<ImageJson>(path, asViewer);
    expect(admin.json.created_at).toMatch(/ UTC$/);
    expect(viewer.json.created_at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0200$/);
    const shifted = new Date(image.createdAt.getTime() + 2 * 3_600_000).toISOString();
    expect(viewer.json.created_at).toBe(`${shifted.slice(0, 10)} ${shifted.slice(11, 19)} +0200`);
    const oses = await get<Envelope<{ updated_at: string }>>('/api/operatingsystems', asViewer);
    for (const os of oses.json.results) expect(os.updated_at).toMatch(/\+0200$/);
  });
});
