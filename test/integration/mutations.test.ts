import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_VIEWER } from '../../src/demo/index.js';
import { encodeGlobalId } from '../../src/schema/ids.js';
import { type Harness, startHarness } from '../helpers/harness.js';

let harness: Harness;
let libvirt: { id: string; foremanId: number };
let ec2: { id: string; foremanId: number };
const architectureId = encodeGlobalId('architecture', 1);
const operatingSystemId = encodeGlobalId('operatingSystem', 1);
const PASSWORD = 'Sup3r-Secret-Passw0rd!';

const IMAGE_FIELDS =
  'id foremanId name uuid username userData iamRole computeResource { name } architecture { name } operatingSystem { foremanId }';
const PAYLOAD = `image { ${IMAGE_FIELDS} } errors { __typename message ... on InputValidationError { path } ... on NotFoundError { id } }`;

interface Payload {
  image: (Record<string, unknown> & { id: string; foremanId: number }) | null;
  errors: Array<{ __typename: string; message: string; path?: string[] | null; id?: string }>;
}

beforeAll(async () => {
  harness = await startHarness({ logLevel: 'trace' });
  const result = await harness.query<{
    computeResources: { nodes: Array<{ id: string; foremanId: number; provider: string }> };
  }>('{ computeResources(first: 100) { nodes { id foremanId provider } } }');
  const nodes = result.data?.computeResources.nodes ?? [];
  libvirt = nodes.find((n) => n.provider === 'Libvirt') as typeof libvirt;
  ec2 = nodes.find((n) => n.provider === 'EC2') as typeof ec2;
});

afterEach(() => {
  harness.demo.clearFaults();
  harness.demo.resetData();
});

afterAll(() => harness.close());

function create(input: Record<string, unknown>, as?: typeof DEMO_VIEWER) {
  return harness.query<{ createImage: Payload }>(
    `mutation($input: CreateImageInput!) { createImage(input: $input) { ${PAYLOAD} } }`,
    { variables: { input }, ...(as ? { as } : {}) },
  );
}

const validInput = () => ({
  computeResourceId: libvirt.id,
  name: 'gateway-test-image',
  username: 'root',
  uuid: '/var/lib/libvirt/images/gateway-test.qcow2',
  password: PASSWORD,
  architectureId,
  operatingSystemId,
});

describe('createImage, updateImage, deleteImage', () => {
  it('round trip: create, read, update, delete', async () => {
    harness.resetCounts();
    const created = await create(validInput());
    expect(created.errors).toBeUndefined();
    expect(created.data?.createImage.errors).toEqual([]);
    const image = created.data?.createImage.image;
    expect(image).toMatchObject({
      name: 'gateway-test-image',
      username: 'root',
      userData: null,
      iamRole: null,
    });
    const posts = harness.upstream().filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(posts[0]?.headers['content-type']).toMatch(/^application\/json/);
    expect(Object.keys(posts[0]?.body as object)).toEqual(['image']);

    const read = await harness.query<{ image: { name: string } }>(
      `{ image(id: "${image?.id}") { name } }`,
    );
    expect(read.data?.image.name).toBe('gateway-test-image');

    const updated = await harness.query<{ updateImage: Payload }>(
      `mutation { updateImage(input: { id: "${image?.id}", name: "  renamed-image  " }) { ${PAYLOAD} } }`,
    );
    expect(updated.data?.updateImage.errors).toEqual([]);
    expect(updated.data?.updateImage.image).toMatchObject({
      name: 'renamed-image',
      username: 'root',
    });

    const deleted = await harness.query<{ deleteImage: Payload & { deletedId: string } }>(
      `mutation { deleteImage(input: { id: "${image?.id}" }) { deletedId ${PAYLOAD} } }`,
    );
    expect(deleted.data?.deleteImage).toMatchObject({ deletedId: image?.id, errors: [] });
    expect(deleted.data?.deleteImage.image).toMatchObject({ name: 'renamed-image' });

    const gone = await harness.query(`{ image(id: "${image?.id}") { name } }`);
    expect(gone.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('an image moved to another compute resource keeps its global id, and is found by it', async () => {
    const created = await create(validInput());
    const oldId = created.data?.createImage.image?.id;
    const other = await harness.query<{
      computeResources: { nodes: Array<{ id: string; provider: string }> };
    }>('{ computeResources(search: "type ~ Libvirt") { nodes { id provider } } }');
    const target = other.data?.computeResources.nodes.find((n) => n.id !== libvirt.id);
    const moved = await harness.query<{ updateImage: Payload }>(
      `mutation { updateImage(input: { id: "${oldId}", computeResourceId: "${target?.id}" }) { ${PAYLOAD} } }`,
    );
    expect(moved.data?.updateImage.errors).toEqual([]);
    expect(moved.data?.updateImage.image?.id).toBe(oldId);
    const read = await harness.query<{ image: { id: string; computeResource: { id: string } } }>(
      `{ image(id: "${oldId}") { id computeResource { id } } }`,
    );
    expect(read.data?.image).toEqual({ id: oldId, computeResource: { id: target?.id } });
  });

  it('later fields of the same operation see the new state', async () => {
    const created = await create(validInput());
    const id = created.data?.createImage.image?.id;
    const result = await harness.query<{ first: Payload; second: Payload }>(
      `mutation { first: deleteImage(input: { id: "${id}" }) { ${PAYLOAD} } second: deleteImage(input: { id: "${id}" }) { ${PAYLOAD} } }`,
    );
    expect(result.data?.first.errors).toEqual([]);
    expect(result.data?.second).toEqual({
      image: null,
      errors: [{ __typename: 'NotFoundError', message: `Image ${id} was not found`, id }],
    });
  });

  it("Foreman's 422 becomes field errors with input paths: duplicate name", async () => {
    await create(validInput());
    const duplicate = await create({
      ...validInput(),
      uuid: '/var/lib/libvirt/images/other.qcow2',
    });
    expect(duplicate.data?.createImage).toEqual({
      image: null,
      errors: [
        {
          __typename: 'InputValidationError',
          message: 'Name has already been taken',
          path: ['input', 'name'],
        },
      ],
    });
  });

  it("the provider's uuid check (EC2: an AMI id that does not exist) is a uuid field error", async () => {
    const result = await create({ ...validInput(), computeResourceId: ec2.id, uuid: 'not-an-ami' });
    expect(result.data?.createImage.image).toBeNull();
    expect(result.data?.createImage.errors).toEqual([
      expect.objectContaining({ __typename: 'InputValidationError', path: ['input', 'uuid'] }),
    ]);
    expect(result.data?.createImage.errors[0]?.message).toMatch(/^Uuid could not be found in /);
  });

  it('local validation reports every bad field with its path and sends nothing', async () => {
    harness.resetCounts();
    const result = await create({
      ...validInput(),
      name: '   ',
      uuid: 'x'.repeat(256),
      architectureId: 'not-an-id',
      operatingSystemId: architectureId,
    });
    expect(result.data?.createImage.image).toBeNull();
    expect(result.data?.createImage.errors.map((e) => e.path)).toEqual([
      ['input', 'name'],
      ['input', 'uuid'],
      ['input', 'architectureId'],
      ['input', 'operatingSystemId'],
    ]);
    expect(result.data?.createImage.errors[0]?.message).toBe("Name can't be blank");
    expect(result.data?.createImage.errors[1]?.message).toBe(
      'Uuid is too long (maximum is 255 characters)',
    );
    expect(harness.upstream()).toEqual([]);
  });

  it('a missing compute resource is a NotFoundError', async () => {
    const result = await create({ ...validInput(), computeResourceId: '9999' });
    expect(result.data?.createImage).toEqual({
      image: null,
      errors: [
        { __typename: 'NotFoundError', message: 'Compute resource 9999 was not found', id: '9999' },
      ],
    });
  });

  it('the viewer gets FORBIDDEN and the demo data is unchanged', async () => {
    const before = await harness.query<{ images: { totalCount: number } }>(
      `{ images(computeResourceId: "${libvirt.id}") { totalCount } }`,
    );
    const result = await create(validInput(), DEMO_VIEWER);
    expect(result.data).toEqual({ createImage: null });
    expect(result.errors?.[0]).toMatchObject({
      path: ['createImage'],
      extensions: { code: 'FORBIDDEN' },
    });
    const after = await harness.query<{ images: { totalCount: number } }>(
      `{ images(computeResourceId: "${libvirt.id}") { totalCount } }`,
    );
    expect(after.data?.images.totalCount).toBe(before.data?.images.totalCount);
  });

  it('without credentials a mutation is UNAUTHENTICATED and sends nothing', async () => {
    harness.resetCounts();
    const result = await harness.query(
      `mutation($input: CreateImageInput!) { createImage(input: $input) { ${PAYLOAD} } }`,
      { variables: { input: validInput() }, as: null },
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(harness.upstream()).toEqual([]);
  });

  it('a 503 on create reaches Foreman once and is an error with a code, never retried', async () => {
    harness.demo.injectFault({ method: 'POST', status: 503, times: 1 });
    harness.resetCounts();
    const result = await create(validInput());
    expect(result.errors?.[0]?.extensions?.code).toBe('UPSTREAM_ERROR');
    expect(harness.upstream().filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('one failing mutation does not blank the others: a rename applied, a create refused', async () => {
    const created = await create(validInput());
    const id = created.data?.createImage.image?.id;
    harness.demo.injectFault({ method: 'POST', status: 503, times: 1 });
    const result = await harness.query<{ rename: Payload; add: Payload | null }>(
      `mutation($input: CreateImageInput!) {
        rename: updateImage(input: { id: "${id}", name: "renamed-in-the-same-operation" }) { ${PAYLOAD} }
        add: createImage(input: $input) { ${PAYLOAD} }
      }`,
      {
        variables: {
          input: { ...validInput(), name: 'second', uuid: '/var/lib/libvirt/images/2.qcow2' },
        },
      },
    );
    expect(result.data?.rename.image?.name).toBe('renamed-in-the-same-operation');
    expect(result.data?.add).toBeNull();
    expect(result.errors).toEqual([
      expect.objectContaining({
        path: ['add'],
        extensions: expect.objectContaining({ code: 'UPSTREAM_ERROR', upstreamStatus: 503 }),
      }),
    ]);
  });

  it('update: an absent field is unchanged, an explicit null is sent as null', async () => {
    const created = await create({
      ...validInput(),
      computeResourceId: ec2.id,
      uuid: 'ami-0123456789abcdef0',
      iamRole: 'builder',
    });
    const image = created.data?.createImage.image;
    expect(image).toMatchObject({ iamRole: 'builder' });
    harness.resetCounts();
    const updated = await harness.query<{ updateImage: Payload }>(
      `mutation { updateImage(input: { id: "${image?.id}", iamRole: null }) { ${PAYLOAD} } }`,
    );
    expect(updated.data?.updateImage.errors).toEqual([]);
    expect(updated.data?.updateImage.image).toMatchObject({
      iamRole: null,
      name: 'gateway-test-image',
      username: 'root',
    });
    const put = harness.upstream().find((r) => r.method === 'PUT');
    expect(put?.body).toEqual({ image: { iam_role: null } });
  });

  it('the password appears in no response and no log line', async () => {
    const created = await create(validInput());
    const id = created.data?.createImage.image?.id;
    const updated = await harness.query(
      `mutation { updateImage(input: { id: "${id}", password: "${PASSWORD}-2" }) { ${PAYLOAD} } }`,
    );
    const deleted = await harness.query(
      `mutation { deleteImage(input: { id: "${id}" }) { deletedId ${PAYLOAD} } }`,
    );
    // Foreman's DELETE answer carries the clear-text password: make sure it really did here.
    const deleteCall = harness.demo.requests.find((r) => r.method === 'DELETE');
    expect(deleteCall?.status).toBe(200);
    const everything = JSON.stringify([created, updated, deleted]) + harness.logs.join('\n');
    expect(harness.logs.length).toBeGreaterThan(0);
    expect(everything).not.toContain(PASSWORD);
  });
});
