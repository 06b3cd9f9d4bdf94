import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../../src/schema/ids.js';
import { describeRequests, type Harness, startHarness } from '../helpers/harness.js';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(() => harness.close());

const osId = encodeGlobalId('operatingSystem', 1);

describe('bad input is BAD_USER_INPUT and makes no upstream request', () => {
  it.each([
    ['malformed id', '{ architecture(id: "x86_64") { name } }'],
    ['id of the wrong type', `{ architecture(id: "${osId}") { name } }`],
    ['zero id', '{ computeResource(id: "0") { name } }'],
    ['injection in an id', '{ architecture(id: "1) or (id > 0") { name } }'],
    ['malformed image id', '{ image(id: "abc") { name } }'],
    ['numeric node id', '{ node(id: "5") { id } }'],
    ['a bad id in nodes', '{ nodes(ids: ["garbage"]) { id } }'],
    [
      'a search that closes a parenthesis it did not open',
      '{ architectures(search: "name ~ a) or (id > 0") { totalCount } }',
    ],
    [
      'a search that leaves a parenthesis open',
      '{ architectures(search: "(name ~ a") { totalCount } }',
    ],
    [
      'a search whose quoted text runs to its end',
      '{ architectures(search: "name = \\"a) or (id > 0") { totalCount } }',
    ],
    [
      'two parents on images',
      `{ images(computeResourceId: "1", architectureId: "1") { totalCount } }`,
    ],
    ['first below 0', '{ architectures(first: -1) { totalCount } }'],
    ['first above the maximum', '{ architectures(first: 1001) { totalCount } }'],
    ['last above the maximum', '{ images(computeResourceId: "1", last: 5000) { totalCount } }'],
    ['a cursor that does not decode', '{ architectures(after: "not-a-cursor") { totalCount } }'],
    ['first and last together', '{ architectures(first: 1, last: 1) { totalCount } }'],
    ['wrong-type parent id', `{ images(computeResourceId: "${osId}") { totalCount } }`],
  ])('%s', async (_label, query) => {
    harness.resetCounts();
    const result = await harness.query(query);
    expect(result.errors?.length).toBeGreaterThan(0);
    for (const error of result.errors ?? []) {
      expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    }
    expect(harness.upstream()).toEqual([]);
  });

  it('a bad argument on one field leaves its siblings alone', async () => {
    const result = await harness.query<{ bad: unknown; good: { name: string } }>(
      '{ bad: architecture(id: "nope") { name } good: architecture(id: "1") { name } }',
    );
    expect(result.data?.bad).toBeNull();
    expect(result.data?.good.name).toMatch(/\S/);
  });

  it('messages name the argument and what is wrong', async () => {
    const result = await harness.query(`{ images(computeResourceId: "${osId}") { totalCount } }`);
    expect(result.errors?.[0]?.message).toBe(
      'Argument "computeResourceId" expects a ComputeResource id, got an Operatingsystem id',
    );
  });
});

describe("a caller's search cannot escape the conditions of the next page", () => {
  type Page = {
    architectures: { pageInfo: { endCursor: string }; nodes: Array<{ foremanId: number }> } | null;
  };
  const PAGE = `query($after: String, $search: String) {
    architectures(first: 10, after: $after, search: $search) {
      pageInfo { endCursor } nodes { foremanId } } }`;

  it('unbalanced parentheses are refused, before any request', async () => {
    const first = await harness.query<Page>(PAGE.replace('first: 10', 'first: 2'));
    const after = first.data?.architectures?.pageInfo.endCursor;
    expect(first.data?.architectures?.nodes.map((n) => n.foremanId)).toEqual([1, 2]);
    harness.resetCounts();
    // Wrapped as `(name ~ x86) or (id > 0) and id > 2`, it would answer x86_64 (id 1) again.
    const escaped = await harness.query<Page>(PAGE, {
      variables: { after, search: 'name ~ x86) or (id > 0' },
    });
    expect(escaped.data?.architectures ?? null).toBeNull();
    expect(escaped.errors?.[0]?.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      argumentName: 'search',
    });
    expect(harness.upstream()).toEqual([]);
  });

  it('parentheses inside quoted text are text: the search is wrapped whole', async () => {
    const first = await harness.query<Page>(PAGE.replace('first: 10', 'first: 2'));
    const after = first.data?.architectures?.pageInfo.endCursor;
    harness.resetCounts();
    const next = await harness.query<Page>(PAGE, {
      variables: { after, search: 'name = "a) or (id > 0" or id > 0' },
    });
    expect(next.errors).toBeUndefined();
    expect(next.data?.architectures?.nodes.map((n) => n.foremanId)).toEqual([3, 4, 5]);
    expect(describeRequests(harness.upstream())).toEqual([
      'GET /api/architectures?page=1&per_page=10&search=(name = "a) or (id > 0" or id > 0) and id > 2&order=id',
    ]);
  });
});
