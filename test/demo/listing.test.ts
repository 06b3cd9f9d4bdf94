import { describe, expect, it } from 'vitest';
import { DEMO_ADMIN, startDemoUpstream } from '../../src/demo/index.js';
import {
  type CallOptions,
  call,
  type Envelope,
  type ErrorJson,
  type ImageJson,
  useDemoUpstream,
} from './helpers.js';

const demo = useDemoUpstream();

const get = <T>(path: string, options: CallOptions = {}) => demo.call<T>(path, options);
const images = (query: string) =>
  get<Envelope<ImageJson>>(`/api/compute_resources/2/images${query}`);
const vcenterIds = () =>
  demo.upstream.store.images.filter((i) => i.computeResourceId === 2).map((i) => i.id);

describe('index envelope and pagination', () => {
  it('answers with the full envelope and 20 results by default, in id order', async () => {
    const { status, json } = await images('');
    expect(status).toBe(200);
    expect(Object.keys(json)).toEqual([
      'total',
      'subtotal',
      'page',
      'per_page',
      'search',
      'sort',
      'results',
    ]);
    expect(json).toMatchObject({
      total: 300,
      subtotal: 300,
      page: 1,
      per_page: 20,
      search: null,
      sort: { by: null, order: null },
    });
    expect(json.results.map((r) => r.id)).toEqual(vcenterIds().slice(0, 20));
  });

  it('counts total under the parent but subtotal under the search', async () => {
    const { json } = await images('?search=name%20~%20rhel&per_page=5');
    const expected = demo.upstream.store.images.filter(
      (i) => i.computeResourceId === 2 && i.name.includes('rhel'),
    );
    expect(json.total).toBe(300);
    expect(json.subtotal).toBe(expected.length);
    expect(json.search).toBe('name ~ rhel');
    expect(json.results.map((r) => r.id)).toEqual(expected.slice(0, 5).map((i) => i.id));
    const empty = await images('?search=');
    expect(empty.json.search).toBe('');
    expect(empty.json.subtotal).toBe(300);
  });

  it('pages with page and per_page, and returns everything for per_page=all', async () => {
    const page3 = await images('?page=3&per_page=7');
    expect(page3.json.page).toBe(3);
    expect(page3.json.per_page).toBe(7);
    expect(page3.json.results.map((r) => r.id)).toEqual(vcenterIds().slice(14, 21));
    const all = await images('?per_page=all');
    expect(all.json.results).toHaveLength(300);
    expect(all.json.per_page).toBe(300);
    const beyond = await images('?page=99');
    expect(beyond.json.results).toEqual([]);
  });

  it('gives empty results for per_page=abc and per_page= (LIMIT 0), echoing them differently', async () => {
    const abc = await images('?per_page=abc');
    expect(abc.status).toBe(200);
    expect(abc.json.results).toEqual([]);
    expect(abc.json.per_page).toBe(0);
    const blank = await images('?per_page=');
    expect(blank.json.results).toEqual([]);
    expect(blank.json.per_page).toBe(20);
    const prefix = await images('?per_page=3abc');
    expect(prefix.json.results).toHaveLength(3);
  });

  it('fails invalid pages with the 500 Foreman turns will_paginate errors into', async () => {
    const cases: Array<[string, string]> = [
      ['page=0', 'invalid page: 0'],
      ['page=-2', 'invalid page: -2'],
      ['page=abc', 'invalid value for Integer(): "abc"'],
      ['page=', 'invalid value for Integer(): ""'],
      ['per_page=-1', 'PG::InvalidRowCountInLimitClause: ERROR:  LIMIT must not be negative'],
    ];
    for (const [query, message] of cases) {
      const response = await get<ErrorJson>(`/api/architectures?${query}`);
      expect(response.status, query).toBe(500);
      expect(response.json).toEqual({ error: { message } });
    }
    // Without pagination, the page is never validated.
    const all = await get<Envelope<unknown>>('/api/architectures?page=0&per_page=all');
    expect(all.status).toBe(200);
    expect(all.json.page).toBe(0);
  });

  it('orders by a search field and echoes the order as sent', async () => {
    const desc = await images('?order=name%20DESC&per_page=all');
    expect(desc.json.sort).toEqual({ by: 'name', order: 'DESC' });
    const names = desc.json.results.map((r) => r.name);
    expect((names[0] ?? '') > (names.at(-1) ?? '')).toBe(true);
    const lower = await images('?order=name%20desc&per_page=1');
    expect(lower.json.sort).toEqual({ by: 'name', order: 'desc' });
    expect(lower.json.results[0]?.name).toBe(names[0]);
    const asc = await images('?order=name');
    expect(asc.json.sort).toEqual({ by: 'name', order: 'ASC' });
    const bad = await get<ErrorJson>('/api/architectures?order=bogus');
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toBe(
      "the field 'bogus' in the order statement is not valid field for search",
    );
  });

  it('uses Foreman default orders: compute resources by name, operating systems by title', async () => {
    const crs = await get<Envelope<{ name: string }>>('/api/compute_resources');
    expect(crs.json.results.map((c) => c.name)).toEqual([
      'aws-eu-west-1',
      'aws-us-east-1',
      'kvm-empty',
      'kvm-lab',
      'openstack-cloud',
      'ovirt-dc1',
      'vcenter-prod',
    ]);
    const oses = await get<Envelope<{ title: string }>>('/api/operatingsystems');
    const titles = oses.json.results.map((o) => o.title);
    expect(titles[0]).toBe('AlmaLinux 9.4');
    expect(titles.at(-1)).toBe('Windows Server 2022');
  });

  it('answers search errors with 400 and the scoped_search class', async () => {
    const { status, json } = await images('?search=bogus%20%3D%201');
    expect(status).toBe(400);
    expect(json).toEqual({
      error: {
        message: "Field 'bogus' not recognized for searching!",
        class: 'ScopedSearch::QueryNotSupported',
      },
    });
    // search_for runs before paginate: a bad search wins over a bad page.
    const both = await images('?search=id%20%3D%20x&page=0');
    expect(both.status).toBe(400);
  });

  it('batches by id with search=id ^ (...) under the parent only', async () => {
    const [a, b] = vcenterIds();
    const other = demo.upstream.store.images.find((i) => i.computeResourceId === 1)?.id;
    const search = encodeURIComponent(`id ^ (${a}, ${b}, ${other})`);
    const { json } = await images(`?search=${search}&per_page=3`);
    expect(json.results.map((r) => r.id)).toEqual([a, b]);
  });

  it('renames results with root_name and adds permissions on request', async () => {
    const { json } = await get<Record<string, unknown>>(
      '/api/architectures?root_name=architectures&include_permissions=1',
    );
    expect(json.results).toBeUndefined();
    expect(json.architectures).toHaveLength(5);
    expect(json.can_create).toBe(true);
    expect(json.can_edit).toBe(true);
  });

  it('honours the defaultPerPage option', async () => {
    const small = await startDemoUpstream({ defaultPerPage: 3 });
    try {
      const { json } = await call<Envelope<unknown>>(small, '/api/architectures', {
        defaultUser: DEMO_ADMIN,
      });
      expect(json.per_page).toBe(3);
      expect(json.results).toHaveLength(3);
    } finally {
      await small.close();
    }
  });
});
