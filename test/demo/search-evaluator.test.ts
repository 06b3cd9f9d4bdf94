import { describe, expect, it } from 'vitest';
import { DemoStore } from '../../src/demo/index.js';
import {
  computeResourceSearch,
  imageSearch,
  operatingsystemSearch,
} from '../../src/demo/search/definitions.js';
import { compileSearch } from '../../src/demo/search/evaluator.js';
import { likePattern } from '../../src/demo/search/like.js';
import { compileOrder } from '../../src/demo/search/order.js';

const store = new DemoStore();
const images = imageSearch(store);

function ids<T extends { id: number }>(
  records: readonly T[],
  query: string,
  definition: Parameters<typeof compileSearch<T>>[1],
) {
  const predicate = compileSearch(query, definition);
  return (predicate ? records.filter(predicate) : records).map((r) => r.id);
}

const imageIds = (query: string) => ids(store.images, query, images);

describe('search evaluation over the seed', () => {
  it('selects a batch of ids with ^ and excludes them with !^', () => {
    expect(imageIds('id ^ (3, 1,2)')).toEqual([1, 2, 3]);
    expect(imageIds('id !^ (1,2)')).toHaveLength(store.images.length - 2);
    expect(imageIds('id ^ 7')).toEqual([7]);
  });

  it('compares integers numerically, not as text', () => {
    expect(imageIds('id < 10')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(imageIds('id >= 460')).toEqual([460, 461, 462, 463, 464]);
  });

  it('searches bare terms case-insensitively over name, username and compute resource name', () => {
    expect(imageIds('VCENTER-prod')).toHaveLength(300);
    const admins = store.images.filter((i) => i.username === 'Administrator').map((i) => i.id);
    expect(imageIds('administrator')).toEqual(admins);
  });

  it('matches = exactly and case-sensitively, ~ as a case-insensitive contains', () => {
    const exact = store.images.filter((i) => i.name === 'rhel-9.4-base').map((i) => i.id);
    expect(exact.length).toBeGreaterThan(1);
    expect(imageIds('name = rhel-9.4-base')).toEqual(exact);
    expect(imageIds('name = RHEL-9.4-BASE')).toEqual([]);
    const contains = store.images.filter((i) => i.name.includes('9.4-base')).map((i) => i.id);
    expect(imageIds('name ~ 9.4-BASE')).toEqual(contains);
  });

  it('treats * and % as wildcards that anchor the pattern', () => {
    expect(likePattern('rhel')).toBe('%rhel%');
    expect(likePattern('rhel*base')).toBe('rhel%base');
    expect(likePattern('**x%%')).toBe('%x%');
    const anchored = store.images.filter((i) => /^rhel.*base$/i.test(i.name)).map((i) => i.id);
    expect(imageIds('name ~ rhel*base')).toEqual(anchored);
    expect(imageIds('name ~ "ubuntu-2_.04-base"').length).toBeGreaterThan(0);
  });

  it('filters by compute resource name, architecture id and operating system id', () => {
    const expected = store.images
      .filter((i) => i.computeResourceId === 3 && i.architectureId === 3)
      .map((i) => i.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(imageIds('compute_resource = aws-eu-west-1 and architecture = 3')).toEqual(expected);
    expect(imageIds('operatingsystem = 9, compute_resource = kvm-lab')).toEqual([]);
  });

  it('handles user_data as a set field, a bare name meaning "= true"', () => {
    const on = store.images.filter((i) => i.userData === true).map((i) => i.id);
    const off = store.images.filter((i) => i.userData === false).map((i) => i.id);
    expect(imageIds('user_data')).toEqual(on);
    expect(imageIds('user_data = true')).toEqual(on);
    expect(imageIds('user_data = false')).toEqual(off);
    expect(imageIds('user_data != true')).toEqual(off);
  });

  it('combines with or, not and parentheses', () => {
    expect(imageIds('id = 1 or id = 2 or id = 3')).toEqual([1, 2, 3]);
    expect(imageIds('id < 6 and not (id = 2 | id = 4)')).toEqual([1, 3, 5]);
    expect(imageIds('id < 4 -id = 2')).toEqual([1, 3]);
  });

  it('keeps SQL NULL semantics: != skips NULLs, NOT includes them', () => {
    const oses = operatingsystemSearch(store);
    const osIds = (query: string) => ids(store.operatingsystems, query, oses);
    expect(osIds('null? description')).toEqual([4, 5, 8]);
    expect(osIds('set? description')).toEqual([1, 2, 3, 6, 7, 9]);
    expect(osIds('description !~ rhel')).toEqual([3, 6, 7, 9]);
    expect(osIds('not description ~ rhel')).toEqual([3, 4, 5, 6, 7, 8, 9]);
  });

  it('matches has-many fields when any associated row matches', () => {
    const oses = operatingsystemSearch(store);
    expect(ids(store.operatingsystems, 'architecture = s390x', oses)).toEqual([1, 2, 8]);
    expect(ids(store.operatingsystems, 'family = Debian and architecture = i386', oses)).toEqual([
      5,
    ]);
    const crs = computeResourceSearch(store);
    expect(ids(store.computeResources, 'type ~ Libvirt', crs)).toEqual([1, 7]);
    expect(ids(store.computeResources, 'location = Lab', crs)).toEqual([1, 5, 7]);
  });

  it('raises scoped_search errors while compiling, before any record is read', () => {
    const error = (query: string) => () => compileSearch(query, images);
    expect(error('foo = 1')).toThrow("Field 'foo' not recognized for searching!");
    expect(error('id = abc')).toThrow("Value 'abc' is not valid for field 'id'");
    // The relation fields name their column, which is the architecture's id.
    expect(error('architecture = x86_64')).toThrow("Value 'x86_64' is not valid for field 'id'");
    expect(error('id ^ (1, x)')).toThrow("Value 'x' is not valid for field 'id'");
    expect(error('id ~ 5')).toThrow(
      "the operator 'like' is not supported for field type 'integer'",
    );
    expect(error('user_data = maybe')).toThrow(
      "'user_data' should be one of 'true, false', but the query was 'maybe'",
    );
    expect(error('user_data ~ true')).toThrow("Operator 'like' not supported for 'user_data'");
    expect(error('set? bogus')).toThrow("Field 'bogus' not recognized for searching!");
  });
});

describe('order', () => {
  const sorted = (order: string) => {
    const comparator = compileOrder(order, images);
    return comparator ? [...store.images].sort(comparator) : [...store.images];
  };

  it('sorts by a search field, descending only for exactly "desc", ties by id', () => {
    const desc = sorted('name DESC');
    expect(desc[0]?.name.localeCompare(desc.at(-1)?.name ?? '')).toBeGreaterThan(0);
    const ties = desc.filter((i) => i.name === 'rhel-9.4-base').map((i) => i.id);
    expect(ties).toEqual([...ties].sort((a, b) => a - b));
    expect(sorted('name desc  ').map((i) => i.id)).toEqual(sorted('name').map((i) => i.id));
    expect(sorted('id desc')[0]?.id).toBe(464);
  });

  it('puts NULLs first ascending and last descending', () => {
    const oses = operatingsystemSearch(store);
    const byDescription = (order: string) =>
      [...store.operatingsystems].sort(compileOrder(order, oses) ?? (() => 0)).map((o) => o.id);
    expect(byDescription('description').slice(0, 3)).toEqual([4, 5, 8]);
    expect(byDescription('description DESC').slice(-3)).toEqual([4, 5, 8]);
  });

  it('rejects fields that are not searchable and ignores a blank order', () => {
    expect(() => compileOrder('created_at desc', images)).toThrow(
      "the field 'created_at' in the order statement is not valid field for search",
    );
    expect(compileOrder('  ', images)).toBeNull();
  });
});
