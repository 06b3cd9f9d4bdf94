import { describe, expect, it } from 'vitest';
import { planPages, sliceWindow } from '../../src/foreman/rest/pages.js';

/** Rows 0..n-1 served the way Foreman pages them. */
function page(total: number, pageNumber: number, perPage: number): number[] {
  const from = (pageNumber - 1) * perPage;
  return Array.from({ length: Math.max(0, Math.min(perPage, total - from)) }, (_, i) => from + i);
}

describe('planPages', () => {
  it('uses one page for a window at the start', () => {
    expect(planPages({ start: 0, count: 100 })).toEqual({ perPage: 100, pages: [1] });
  });

  it('finds a single page for an unaligned window when one exists', () => {
    // Rows 50..86: per_page 37 would split them over pages 2 and 3; page 2 of 44 (rows 44..87)
    // holds them all in one request.
    expect(planPages({ start: 50, count: 37 })).toEqual({ perPage: 44, pages: [2] });
  });

  it('covers every window exactly, with at most two pages', () => {
    for (let start = 0; start < 300; start += 7) {
      for (const count of [1, 2, 5, 37, 50, 100]) {
        const window = { start, count };
        const plan = planPages(window);
        expect(plan.pages.length).toBeLessThanOrEqual(2);
        const rows = sliceWindow(
          plan,
          plan.pages.map((p) => page(10_000, p, plan.perPage)),
          window,
        );
        expect(rows).toEqual(Array.from({ length: count }, (_, i) => start + i));
      }
    }
  });

  it('asks for one tiny page when only counts are needed', () => {
    expect(planPages({ start: 10, count: 0 })).toEqual({ perPage: 1, pages: [1] });
  });

  it('refuses negative or fractional windows', () => {
    expect(() => planPages({ start: -1, count: 3 })).toThrow(RangeError);
    expect(() => planPages({ start: 0, count: 1.5 })).toThrow(RangeError);
  });
});
