import { describe, expect, it } from 'vitest';
import {
  DatabaseError,
  DEMO_VIEWER,
  type ForemanUiImageAttributes,
  ForemanUiValidationError,
} from '../../src/demo/index.js';
import { type Envelope, imageOf, useDemoUpstream } from './helpers.js';

const demo = useDemoUpstream({ resetDataEachTest: true });

const attributes: ForemanUiImageAttributes = {
  name: 'ui-image',
  uuid: '/var/lib/libvirt/images/ui-image.qcow2',
  username: 'root',
  operatingsystemId: 2,
  computeResourceId: 1,
  architectureId: 1,
  password: 'from-the-form',
};

const SEEDED = 485;

/** Audit ids the API lists for a search, in id order. */
async function visibleIds(search: string): Promise<number[]> {
  const query = `?per_page=all&order=id&search=${encodeURIComponent(search)}`;
  const { json } = await demo.call<Envelope<{ id: number }>>(`/api/audits${query}`);
  return json.results.map((a) => a.id);
}

describe('changes made in Foreman’s UI', () => {
  it('creates, updates and deletes images with audits, outside HTTP', async () => {
    const ui = demo.upstream.foremanUi;
    demo.upstream.resetRequests();
    const created = ui.createImage(attributes);
    expect(demo.upstream.store.image(created.image.id)).toEqual(created.image);
    expect(created.audit).toMatchObject({
      id: SEEDED + 1,
      action: 'create',
      userId: 4,
      remoteAddress: '192.0.2.10',
      auditedChanges: { name: 'ui-image', password: '[redacted]' },
    });
    const updated = ui.updateImage(
      created.image.id,
      { username: 'cloud-user' },
      { user: DEMO_VIEWER, requestUuid: 'ui-request-1', remoteAddress: '198.51.100.20' },
    );
    expect(updated.image.username).toBe('cloud-user');
    expect(updated.audit).toMatchObject({
      version: 2,
      userId: 5,
      requestUuid: 'ui-request-1',
      remoteAddress: '198.51.100.20',
      auditedChanges: { username: ['root', 'cloud-user'] },
    });
    expect(ui.updateImage(created.image.id, { username: 'cloud-user' }).audit).toBeNull();
    const deleted = ui.deleteImage(created.image.id, { user: 'viewer' });
    expect(deleted.audit).toMatchObject({ action: 'destroy', version: 3 });
    expect(demo.upstream.store.image(created.image.id)).toBeUndefined();
    expect(demo.upstream.requests).toHaveLength(0);
    // Each call is its own UI request.
    expect(created.audit?.requestUuid).not.toBe(deleted.audit?.requestUuid);
    expect(await visibleIds(`type = image and auditable_id = ${created.image.id}`)).toEqual([
      SEEDED + 1,
      SEEDED + 2,
      SEEDED + 3,
    ]);
  });

  it('validates like the API and fails on foreign keys like PostgreSQL', () => {
    const ui = demo.upstream.foremanUi;
    const clash = imageOf(demo.upstream, 1);
    expect(() =>
      ui.createImage({
        ...attributes,
        name: clash.name,
        operatingsystemId: clash.operatingsystemId,
        uuid: ' ',
      }),
    ).toThrow(new ForemanUiValidationError(['Name has already been taken', "Uuid can't be blank"]));
    expect(() => ui.createImage({ ...attributes, architectureId: 99 })).toThrow(DatabaseError);
    expect(() => ui.updateImage(9_999, { name: 'x' })).toThrow(
      "Couldn't find Image with 'id'=9999",
    );
    expect(demo.upstream.store.audits).toHaveLength(SEEDED);
  });
});

describe('a slow transaction in the UI', () => {
  it('takes its audit id at once but shows it only on commit, after higher ids', async () => {
    const ui = demo.upstream.foremanUi;
    const [first, second] = demo.upstream.store.images.filter((i) => i.computeResourceId === 1);
    if (!first || !second) throw new Error('kvm-lab needs two images');
    const tx = ui.beginSlowTransaction();
    const staged = tx.updateImage(first.id, { name: 'slowly-renamed' });
    expect(staged.audit?.id).toBe(SEEDED + 1);
    expect(tx.auditIds).toEqual([SEEDED + 1]);
    expect(demo.upstream.store.image(first.id)?.name).toBe(first.name);

    const response = await demo.call(`/api/compute_resources/1/images/${second.id}`, {
      method: 'PUT',
      json: { image: { username: 'fast-user' } },
    });
    expect(response.status).toBe(200);
    expect(await visibleIds(`id > ${SEEDED}`)).toEqual([SEEDED + 2]);

    tx.commit();
    expect(demo.upstream.store.image(first.id)?.name).toBe('slowly-renamed');
    expect(await visibleIds(`id > ${SEEDED}`)).toEqual([SEEDED + 1, SEEDED + 2]);
    expect(() => tx.commit()).toThrow('already committed');
  });

  it('shares one request uuid, counts its own rows for versions, and leaves gaps on rollback', async () => {
    const ui = demo.upstream.foremanUi;
    const image = imageOf(demo.upstream, 1);
    const tx = ui.beginSlowTransaction({ requestUuid: 'cascade-1' });
    tx.updateImage(image.id, { username: 'a' });
    const second = tx.updateImage(image.id, { username: 'b' });
    expect(second.audit).toMatchObject({ version: 3, requestUuid: 'cascade-1' });
    const created = tx.createImage(attributes);
    tx.rollback();
    expect(demo.upstream.store.image(created.image.id)).toBeUndefined();
    const after = ui.createImage(attributes);
    expect(after.image.id).toBe(created.image.id + 1);
    expect(after.audit?.id).toBe(SEEDED + 4);
    expect(await visibleIds(`id > ${SEEDED}`)).toEqual([SEEDED + 4]);
  });
});
