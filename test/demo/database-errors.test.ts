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

const send = <T = ErrorJson>(method: string, path: string, options: CallOptions = {}) =>
  demo.call<T>(path, { method, ...options });

const fkMessage = (column: string, value: number, table: string) =>
  `PG::ForeignKeyViolation: ERROR:  insert or update on table "images" violates foreign key constraint "images_${column}_fk"\nDETAIL:  Key (${column})=(${value}) is not present in table "${table}".\n`;

describe('foreign keys (belongs_to is optional, so PostgreSQL refuses)', () => {
  it('names the first broken key in constraint order, and the failed INSERT burns an image id', async () => {
    const created = await send('POST', '/api/architectures/1/images', {
      json: { image: { ...validImageBody, compute_resource_id: 42, operatingsystem_id: 77 } },
    });
    expect(created.status).toBe(500);
    expect(created.json.error.message).toBe(
      fkMessage('compute_resource_id', 42, 'compute_resources'),
    );
    const both = await send('POST', '/api/compute_resources/1/images', {
      json: { image: { ...validImageBody, architecture_id: 9, operatingsystem_id: 77 } },
    });
    expect(both.json.error.message).toBe(fkMessage('architecture_id', 9, 'architectures'));
    const next = await send<ImageJson>('POST', '/api/compute_resources/1/images', {
      json: { image: validImageBody },
    });
    expect(next.status).toBe(201);
    expect(next.json.id).toBe(467);
    expect(demo.upstream.store.images).toHaveLength(465);
  });

  it('checks on update only the keys that change, and leaves the image as it was', async () => {
    const image = imageOf(demo.upstream, 1);
    const path = `/api/compute_resources/1/images/${image.id}`;
    const moved = await send('PUT', path, {
      json: { image: { operatingsystem_id: 99, username: 'changed' } },
    });
    expect(moved.status).toBe(500);
    expect(moved.json.error.message).toBe(fkMessage('operatingsystem_id', 99, 'operatingsystems'));
    expect(demo.upstream.store.image(image.id)).toEqual(image);
    // Validation runs first: a 422 wins over the foreign key.
    const invalid = await send('PUT', path, {
      json: { image: { operatingsystem_id: 99, name: '' } },
    });
    expect(invalid.status).toBe(422);
  });
});

describe('integer literals PostgreSQL cannot hold', () => {
  const outOfRange = (value: string) => ({
    error: {
      message: `PG::NumericValueOutOfRange: ERROR:  value "${value}" is out of range for type integer\n`,
    },
  });

  it('answers an id beyond 2147483647 with a 500 naming the value', async () => {
    for (const search of ['id = 99999999999', 'id ^ (1, 99999999999)', 'id > 99999999999']) {
      const response = await send(
        'GET',
        `/api/compute_resources/1/images?search=${encodeURIComponent(search)}`,
      );
      expect(response.status, search).toBe(500);
      expect(response.json, search).toEqual(outOfRange('99999999999'));
    }
    const negative = await send('GET', '/api/architectures?search=id%20%3C%20%22-2147483649%22');
    expect(negative.json).toEqual(outOfRange('-2147483649'));
    const architecture = await send(
      'GET',
      '/api/compute_resources/1/images?search=architecture%20%3D%202147483648',
    );
    expect(architecture.json).toEqual(outOfRange('2147483648'));
    const edge = await send('GET', '/api/architectures?search=id%20%3D%202147483647');
    expect(edge.status).toBe(200);
  });

  it('comes after scoped_search errors and will_paginate errors, as the SQL runs last', async () => {
    const unknownField = await send(
      'GET',
      '/api/architectures?search=id%20%3D%2099999999999%20and%20foo%20%3D%201',
    );
    expect(unknownField.status).toBe(400);
    const badOrder = await send(
      'GET',
      '/api/architectures?search=id%20%3D%2099999999999&order=foo',
    );
    expect(badOrder.status).toBe(400);
    const badPage = await send('GET', '/api/architectures?search=id%20%3D%2099999999999&page=0');
    expect(badPage.json).toEqual({ error: { message: 'invalid page: 0' } });
    const all = await send('GET', '/api/architectures?search=id%20%3D%2099999999999&per_page=all');
    expect(all.json).toEqual(outOfRange('99999999999'));
  });
});
