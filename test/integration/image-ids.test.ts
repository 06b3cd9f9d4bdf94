import { afterEach, describe, expect, it } from 'vitest';
import { encodeImageId } from '../../src/schema/ids.js';
import { type Harness, startHarness } from '../helpers/harness.js';

/**
 * An image's global id is `01:Image-<id>` for life (Relay's object identification), although
 * Foreman reads images only under a parent: lookups go where the image was last seen, else fan
 * out over architectures, and stay batched.
 */

let harness: Harness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function legacyImageId(computeResourceId: number, imageId: number): string {
  return Buffer.from(`01:Image-${computeResourceId}-${imageId}`).toString('base64');
}

describe('stable image ids', () => {
  it('ids of many images cost a bounded number of calls: a fan-out first, then where they were seen', async () => {
    harness = await startHarness();
    const { store } = harness.demo;
    // Four images from each of compute resources 1 to 5.
    const images = [1, 2, 3, 4, 5].flatMap((cr) =>
      store.images.filter((image) => image.computeResourceId === cr).slice(0, 4),
    );
    const query = `{ nodes(ids: ${JSON.stringify(images.map((i) => encodeImageId(i.id)))}) { id ... on Image { name } } }`;

    harness.resetCounts();
    const first = await harness.query<{ nodes: Array<{ id: string; name: string }> }>(query);
    expect(first.data?.nodes.map((n) => n.name)).toEqual(images.map((i) => i.name));
    // The architectures, then one `id ^ (…)` call per architecture, whatever the number of ids.
    expect(harness.upstream()).toHaveLength(1 + store.architectures.length);

    harness.resetCounts();
    const again = await harness.query<{ nodes: Array<{ id: string }> }>(query);
    expect(again.data?.nodes).toHaveLength(20);
    // Now where each was seen: one call per compute resource.
    expect(
      harness
        .upstream()
        .map((r) => r.path)
        .sort(),
    ).toEqual([1, 2, 3, 4, 5].map((cr) => `/api/compute_resources/${cr}/images`));
  });

  it('an id issued before (naming its compute resource) still resolves after the image moved', async () => {
    harness = await startHarness();
    const image = harness.demo.store.images.find((i) => i.computeResourceId === 1);
    if (!image) throw new Error('no image in compute resource 1');
    harness.demo.foremanUi.updateImage(image.id, {
      computeResourceId: 2,
      name: 'moved-in-the-ui',
      uuid: '/var/lib/libvirt/images/moved-in-the-ui.qcow2',
    });
    const result = await harness.query<{
      image: { id: string; computeResource: { foremanId: number } };
    }>(`{ image(id: "${legacyImageId(1, image.id)}") { id computeResource { foremanId } } }`);
    expect(result.data?.image).toEqual({
      id: encodeImageId(image.id),
      computeResource: { foremanId: 2 },
    });
  });

  it('a missing image is NOT_FOUND under its stable id', async () => {
    harness = await startHarness();
    const result = await harness.query(`{ image(id: "${encodeImageId(987_654)}") { id } }`);
    expect(result.data?.image).toBeNull();
    expect(result.errors?.[0]).toMatchObject({
      message: `Image ${encodeImageId(987_654)} was not found`,
      extensions: { code: 'NOT_FOUND' },
    });
  });
});
