import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type DocumentNode, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  DOCUMENT_CACHE,
  documentCacheFor,
  ERROR_CACHE,
  errorCacheFor,
  parsedDocumentBytes,
} from '../../src/plugins/document-cache.js';

/**
 * The parse caches hold what they are allowed to in heap, not in text: a parsed document takes
 * some 70 times its text (bench:soak's heap floor grew by about 2 KB a request while the cache,
 * bounded at 2 MiB of text, filled with documents that differ by a literal).
 */

/** A real collection before each reading: garbage is not growth. */
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Heap kept by what `fill` returns (held until the reading is taken). */
function heapKeptBy(fill: () => unknown): number {
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  const kept = fill();
  collectGarbage();
  const grown = process.memoryUsage().heapUsed - before;
  expect(kept).toBeDefined();
  return grown;
}

/** Documents as clients that put literals in the text send them: each one new. */
const distinct = (n: number) =>
  n % 2 === 0
    ? `{ images(computeResourceId: "${n % 7}", first: 20, search: "id > ${n}") { totalCount nodes { id name architecture { name } operatingSystem { title } } } }`
    : `mutation { updateImage(input: { id: "${n}", name: "renamed-${n}" }) { image { id name computeResource { name } } errors { __typename message } } }`;

describe('the parse cache is bounded by the heap its documents take', () => {
  it('holds at most its budget of heap, however many distinct documents come', () => {
    const cache = documentCacheFor();
    const grown = heapKeptBy(() => {
      for (let n = 0; n < 4_000; n++) {
        const text = distinct(n);
        cache.set(text, parse(text));
      }
      return cache;
    });
    expect(cache.totalBytes).toBeLessThanOrEqual(DOCUMENT_CACHE.maxTotalBytes);
    expect(cache.size).toBeLessThan(4_000);
    expect(cache.get(distinct(3_999))).toBeDefined();
    // 4,000 such documents take about 40 MB parsed; at most the budget stays.
    expect(grown).toBeLessThanOrEqual(DOCUMENT_CACHE.maxTotalBytes);
  });

  it('weighs a document at least at the heap it takes, bare fields (the densest) included', () => {
    const bareFields = (n: number) => `{ f${n} ${'b '.repeat(200)}}`;
    let estimated = 0;
    const grown = heapKeptBy(() => {
      const kept: Array<[string, DocumentNode]> = [];
      for (let n = 0; n < 400; n++) {
        for (const text of [bareFields(n), distinct(n)]) {
          const document = parse(text);
          estimated += parsedDocumentBytes(text, document);
          kept.push([text, document]);
        }
      }
      return kept;
    });
    expect(grown).toBeLessThanOrEqual(estimated);
  });

  it('keeps distinct texts that do not parse within its budget too', () => {
    const errors = errorCacheFor();
    const grown = heapKeptBy(() => {
      for (let n = 0; n < 20_000; n++) {
        const text = `{ a${n}`;
        try {
          parse(text);
        } catch (error) {
          errors.set(text, error as Error);
        }
      }
      return errors;
    });
    expect(errors.size).toBeGreaterThan(0);
    expect(errors.size).toBeLessThan(20_000);
    // Each error keeps about 3 KB (its stack); 20,000 of them would keep some 55 MB.
    expect(grown).toBeLessThanOrEqual(ERROR_CACHE.maxTotalBytes);
  });
});
