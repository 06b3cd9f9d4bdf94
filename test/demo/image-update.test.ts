import { describe, expect, it } from 'vitest';
import {
  type CallOptions,
  type ErrorJson,
  type ImageJson,
  imageOf,
  useDemoUpstream,
  validImageBody,
} from './helpers.js';

const demo = useDemoUpstream({ resetDataEachTest: true });

const send = <T = ImageJson>(method: string, path: string, options: CallOptions = {}) =>
  demo.call<T>(path, { method, ...options });

describe('update', () => {
  it('updates partially and moves updated_at only on a real change', async () => {
    const image = imageOf(demo.upstream, 1);
    const path = `/api/compute_resources/1/images/${image.id}`;
    const noop = await send('PUT', path, { json: { image: {} } });
    expect(noop.status).toBe(200);
    expect(demo.upstream.store.image(image.id)?.updatedAt).toEqual(image.updatedAt);
    const same = await send('PUT', path, { json: { image: { name: ` ${image.name} ` } } });
    expect(same.status).toBe(200);
    expect(demo.upstream.store.image(image.id)?.updatedAt).toEqual(image.updatedAt);
    const renamed = await send('PATCH', path, { json: { image: { username: 'cloud-user' } } });
    expect(renamed.status).toBe(200);
    expect(renamed.json).toMatchObject({ id: image.id, name: image.name, username: 'cloud-user' });
    expect(demo.upstream.store.image(image.id)?.updatedAt.getTime()).toBeGreaterThan(
      image.updatedAt.getTime(),
    );
    expect(demo.upstream.store.image(image.id)?.createdAt).toEqual(image.createdAt);
  });

  it('can move an image to another compute resource', async () => {
    const image = imageOf(demo.upstream, 1);
    const { status, json } = await send('PUT', `/api/compute_resources/1/images/${image.id}`, {
      json: { image: { compute_resource_id: 7 } },
    });
    expect(status).toBe(200);
    expect(json).toMatchObject({ compute_resource_id: 7, compute_resource_name: 'kvm-empty' });
    expect((await send('GET', `/api/compute_resources/1/images/${image.id}`)).status).toBe(404);
    expect((await send('GET', `/api/compute_resources/7/images/${image.id}`)).status).toBe(200);
    // Its name is taken there for that OS, so it cannot move back as a duplicate.
    const clash = demo.upstream.store.images.find(
      (i) => i.computeResourceId === 5 && i.operatingsystemId === image.operatingsystemId,
    );
    if (!clash) throw new Error('no clash candidate on openstack-cloud');
    const blocked = await send<ErrorJson>('PUT', `/api/compute_resources/7/images/${image.id}`, {
      json: { image: { compute_resource_id: 5, name: clash.name } },
    });
    expect(blocked.status).toBe(422);
    expect(blocked.json.error.errors).toEqual({ name: ['has already been taken'] });
  });

  it('validates the whole record and names it in the 422', async () => {
    const image = imageOf(demo.upstream, 1);
    const { status, json } = await send<ErrorJson>(
      'PUT',
      `/api/compute_resources/1/images/${image.id}`,
      { json: { image: { name: '', uuid: '   ' } } },
    );
    expect(status).toBe(422);
    expect(json.error).toMatchObject({
      id: image.id,
      errors: { name: ["can't be blank"], uuid: ["can't be blank"] },
    });
  });

  it('checks the media type for PUT but not for PATCH', async () => {
    const image = imageOf(demo.upstream, 1);
    const path = `/api/compute_resources/1/images/${image.id}`;
    const body = JSON.stringify({ image: { username: 'root' } });
    expect((await send('PUT', path, { body, contentType: 'text/plain' })).status).toBe(415);
    expect((await send('PATCH', path, { body, contentType: 'text/plain' })).status).toBe(200);
  });

  it('404s for an image of another compute resource', async () => {
    const other = demo.upstream.store.images.find((i) => i.computeResourceId === 2);
    const { status } = await send('PUT', `/api/compute_resources/1/images/${other?.id}`, {
      json: { image: { username: 'x' } },
    });
    expect(status).toBe(404);
  });
});

describe('destroy', () => {
  it('answers 200 with the raw row, clear-text password and ISO timestamps', async () => {
    const image = demo.upstream.store.images.find((i) => i.computeResourceId === 1 && i.password);
    if (!image) throw new Error('no kvm-lab image with a password');
    const { status, json } = await send<Record<string, unknown>>(
      'DELETE',
      `/api/compute_resources/1/images/${image.id}`,
    );
    expect(status).toBe(200);
    expect(json).toEqual({
      id: image.id,
      operatingsystem_id: image.operatingsystemId,
      compute_resource_id: 1,
      architecture_id: image.architectureId,
      uuid: image.uuid,
      username: image.username,
      name: image.name,
      created_at: image.createdAt.toISOString(),
      updated_at: image.updatedAt.toISOString(),
      iam_role: null,
      user_data: false,
      password: image.password,
    });
    expect(String(json.created_at)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
    expect(demo.upstream.store.image(image.id)).toBeUndefined();
    expect((await send('DELETE', `/api/compute_resources/1/images/${image.id}`)).status).toBe(404);
  });

  it('never reuses the id of a deleted image, and resetData restores the seed', async () => {
    await send('DELETE', '/api/compute_resources/2/images/464').then((r) =>
      expect(r.status === 200 || r.status === 404).toBe(true),
    );
    const last = demo.upstream.store.images.at(-1);
    await send('DELETE', `/api/compute_resources/${last?.computeResourceId}/images/${last?.id}`);
    const created = await send('POST', '/api/compute_resources/1/images', {
      json: { image: validImageBody },
    });
    expect(created.json.id).toBe(465);
    demo.upstream.resetData();
    expect(demo.upstream.store.images).toHaveLength(464);
    expect(demo.upstream.store.image(464)).toBeDefined();
    expect(demo.upstream.store.image(465)).toBeUndefined();
  });
});
