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

describe('create', () => {
  it('creates an image: 201 with the show JSON, the CR from the URL, no password', async () => {
    const before = demo.upstream.store.images.length;
    const { status, json } = await send('POST', '/api/compute_resources/1/images', {
      json: { image: { ...validImageBody, compute_resource_id: 5, name: '  demo-image \n' } },
    });
    expect(status).toBe(201);
    expect(json).toMatchObject({
      id: 465,
      name: 'demo-image',
      compute_resource_id: 1,
      compute_resource_name: 'kvm-lab',
      operatingsystem_name: 'RHEL 9.4',
      architecture_name: 'x86_64',
    });
    expect(json).not.toHaveProperty('password');
    expect(json).not.toHaveProperty('user_data');
    expect(demo.upstream.store.images).toHaveLength(before + 1);
    expect(demo.upstream.store.image(465)?.password).toBe('hunter2');
  });

  it('resolves *_name keys, and answers an unknown name with a 422 message', async () => {
    const { status, json } = await send('POST', '/api/compute_resources/4/images', {
      json: {
        image: {
          name: 'sles',
          username: 'root',
          uuid: '0f9a7c52-1d1e-4c3b-9a55-5d0e6c7b8a91',
          architecture_name: 'ppc64le',
          operatingsystem_name: 'SLES 15.5',
          user_data: 'yes',
        },
      },
    });
    expect(status).toBe(201);
    expect(json).toMatchObject({ architecture_id: 4, operatingsystem_id: 8, user_data: true });
    const unknown = await send<ErrorJson>('POST', '/api/compute_resources/1/images', {
      json: { image: { ...validImageBody, architecture_name: 'sparc' } },
    });
    expect(unknown.status).toBe(422);
    expect(unknown.json).toEqual({
      error: { message: 'Could not find architecture with name: sparc' },
    });
    const byCrName = await send('POST', '/api/operatingsystems/2/images', {
      json: {
        image: {
          ...validImageBody,
          operatingsystem_id: undefined,
          compute_resource_name: 'kvm-lab',
        },
      },
    });
    expect(byCrName.status).toBe(201);
    expect(byCrName.json.compute_resource_id).toBe(1);
    // to_label lookup falls back to "name major.minor" when the description does not match.
    const parsed = await send('POST', '/api/compute_resources/7/images', {
      json: {
        image: {
          ...validImageBody,
          operatingsystem_id: undefined,
          operatingsystem_name: 'Ubuntu 22.04',
        },
      },
    });
    expect(parsed.json).toMatchObject({
      operatingsystem_id: 6,
      operatingsystem_name: 'Ubuntu 22.04 LTS',
    });
  });

  it('lists every presence error in Foreman order with humanized full messages', async () => {
    const { status, json } = await send<ErrorJson>('POST', '/api/compute_resources/1/images', {
      json: { image: {} },
    });
    expect(status).toBe(422);
    expect(json).toEqual({
      error: {
        id: null,
        errors: {
          username: ["can't be blank"],
          operatingsystem_id: ["can't be blank"],
          architecture_id: ["can't be blank"],
          name: ["can't be blank"],
          uuid: ["can't be blank"],
        },
        full_messages: [
          "Username can't be blank",
          "Operatingsystem can't be blank",
          "Architecture can't be blank",
          "Name can't be blank",
          "Uuid can't be blank",
        ],
      },
    });
  });

  it('enforces uniqueness, lengths and the provider uuid check', async () => {
    const existing = imageOf(demo.upstream, 1);
    const duplicate = await send<ErrorJson>('POST', '/api/compute_resources/1/images', {
      json: {
        image: {
          ...validImageBody,
          name: existing.name,
          operatingsystem_id: existing.operatingsystemId,
          uuid: existing.uuid,
          username: 'x'.repeat(256),
        },
      },
    });
    expect(duplicate.status).toBe(422);
    expect(duplicate.json.error.errors).toEqual({
      username: ['is too long (maximum is 255 characters)'],
      name: ['has already been taken'],
      uuid: ['has already been taken'],
    });
    const ec2 = await send<ErrorJson>('POST', '/api/compute_resources/3/images', {
      json: { image: { ...validImageBody, uuid: 'Templates/not-an-ami' } },
    });
    expect(ec2.json.error.errors).toEqual({ uuid: ['could not be found in aws-eu-west-1'] });
    const ami = await send('POST', '/api/compute_resources/3/images', {
      json: { image: { ...validImageBody, uuid: 'ami-0123456789abcdef0' } },
    });
    expect(ami.status).toBe(201);
    expect(ami.json).toMatchObject({ user_data: false, iam_role: null });
    const ovirt = await send<ErrorJson>('POST', '/api/compute_resources/4/images', {
      json: { image: { ...validImageBody, uuid: 'template-1' } },
    });
    expect(ovirt.json.error.full_messages).toEqual(['Uuid could not be found in ovirt-dc1']);
  });

  it('fails on the foreign key, with the 500 Foreman answers, for a record that does not exist', async () => {
    const { status, json } = await send<ErrorJson>('POST', '/api/compute_resources/1/images', {
      json: { image: { ...validImageBody, architecture_id: 99 } },
    });
    expect(status).toBe(500);
    expect(json).toEqual({
      error: {
        message:
          'PG::ForeignKeyViolation: ERROR:  insert or update on table "images" violates foreign key constraint "images_architecture_id_fk"\nDETAIL:  Key (architecture_id)=(99) is not present in table "architectures".\n',
      },
    });
  });

  it('wraps only DB columns of an unwrapped body, and its *_id keys hijack the parent', async () => {
    // *_name keys are no columns, so ParamsWrapper drops them from an unwrapped body.
    const { name, username, uuid } = validImageBody;
    const dropped = await send<ErrorJson>('POST', '/api/compute_resources/1/images', {
      json: { name, username, uuid, architecture_name: 'x86_64', operatingsystem_name: 'RHEL 9.4' },
    });
    expect(dropped.status).toBe(422);
    expect(dropped.json.error.full_messages).toEqual([
      "Operatingsystem can't be blank",
      "Architecture can't be blank",
    ]);
    // An unwrapped operatingsystem_id comes first in params: the OS becomes the parent and the
    // compute resource from the URL no longer applies.
    const hijacked = await send<ErrorJson>('POST', '/api/compute_resources/1/images', {
      json: validImageBody,
    });
    expect(hijacked.status).toBe(422);
    expect(hijacked.json.error.full_messages).toEqual(["Compute resource can't be blank"]);
    const wrapped = await send('POST', '/api/compute_resources/1/images', {
      json: { image: { ...validImageBody, thin: true, flavor: 'x' } },
    });
    expect(wrapped.status).toBe(201);
  });

  it('fails with a 500 when a taxonomy parameter became the parent', async () => {
    const { status, json } = await send<ErrorJson>(
      'POST',
      '/api/compute_resources/1/images?location_id=2',
      { json: { image: validImageBody } },
    );
    expect(status).toBe(500);
    expect(json.error.message).toMatch(/^Internal Server Error: the server was unable/);
  });

  it('requires Content-Type: application/json for POST', async () => {
    const { status, json } = await send<ErrorJson>('POST', '/api/compute_resources/1/images', {
      body: JSON.stringify({ image: validImageBody }),
      contentType: 'text/plain; charset=utf-8',
    });
    expect(status).toBe(415);
    expect(json.error.message).toBe(
      "Media type in 'Content-Type: text/plain' is unsupported in API v2 for POST and PUT requests. Please use 'Content-Type: application/json'.",
    );
    const missing = await send<ErrorJson>('POST', '/api/compute_resources/1/images', {
      contentType: null,
    });
    expect(missing.status).toBe(415);
    expect(missing.json.error.message).toContain("'Content-Type: '");
  });

  it('answers malformed JSON with the unwrapped 400, even before authentication', async () => {
    const { status, json } = await send('POST', '/api/compute_resources/1/images', {
      body: '{"image": {',
      as: null,
    });
    expect(status).toBe(400);
    expect(json).toEqual({
      status: 400,
      error: `There was a problem in the JSON you submitted: unexpected token at '{"image": {'`,
    });
  });
});
