import { describe, expect, it } from 'vitest';
import { chunkIds, idListSearch } from '../../src/foreman/rest/search.js';

describe('idListSearch', () => {
  it('writes the scoped_search IN list with a space before ^', () => {
    expect(idListSearch([1, 2, 3])).toBe('id ^ (1,2,3)');
  });

  it.each([[0], [-1], [1.5], [Number.NaN], [2 ** 60]])('refuses %s', (id) => {
    expect(() => idListSearch([id])).toThrow(RangeError);
  });
});

describe('chunkIds', () => {
  it('keeps every encoded search under the limit and loses no id', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => 100_000 + i);
    const chunks = chunkIds(ids, 500);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.flat()).toEqual(ids);
    for (const chunk of chunks) {
      const encoded = new URLSearchParams({ search: idListSearch(chunk) }).toString();
      expect(encoded.length - 'search='.length).toBeLessThanOrEqual(500);
    }
  });

  it('puts a short list in one chunk', () => {
    expect(chunkIds([5, 6, 7])).toEqual([[5, 6, 7]]);
    expect(chunkIds([])).toEqual([]);
  });
});
