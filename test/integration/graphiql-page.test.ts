import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../helpers/harness.js';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(() => harness.close());

/** Raw bytes on the wire (undici.request does not decompress). */
async function load(headers: Record<string, string>) {
  const response = await request(`${harness.url}/graphql`, {
    headers: { accept: 'text/html', ...headers },
  });
  const body = Buffer.from(await response.body.arrayBuffer());
  return { status: response.statusCode, headers: response.headers, bytes: body.length, body };
}

describe('the GraphiQL page', () => {
  it('is self-contained: no CDN, no off-host URL to load', async () => {
    const page = await load({});
    const html = page.body.toString('utf8');
    expect(page.status).toBe(200);
    expect(html).toContain('Foreman images GraphQL');
    expect(html).toContain('query ImagesWithRelations');
    expect(html).not.toMatch(/unpkg\.com|cdn\.jsdelivr|raw\.githubusercontent/);
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)="https?:/);
  });

  it('is compressed (brotli, else gzip) and revalidates with a 304', async () => {
    const plain = await load({});
    const gzip = await load({ 'accept-encoding': 'gzip' });
    const brotli = await load({ 'accept-encoding': 'gzip, deflate, br' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(brotli.headers['content-encoding']).toBe('br');
    expect(brotli.headers['cache-control']).toBe('public, max-age=3600');
    expect(gzip.bytes).toBeLessThan(plain.bytes / 2);
    expect(brotli.bytes).toBeLessThan(gzip.bytes);
    console.info(
      `GraphiQL page bytes per load: identity ${plain.bytes}, gzip ${gzip.bytes}, br ${brotli.bytes}`,
    );

    const again = await load({
      'accept-encoding': 'br',
      'if-none-match': String(brotli.headers.etag),
    });
    expect(again.status).toBe(304);
    expect(again.bytes).toBe(0);
  });

  it('may not be framed by another site, nor may its 304', async () => {
    const page = await load({});
    const again = await load({ 'if-none-match': String(page.headers.etag) });
    for (const { headers } of [page, again]) {
      expect(headers['content-security-policy']).toBe("frame-ancestors 'none'");
      expect(headers['x-frame-options']).toBe('DENY');
    }
  });

  it('has the bar above GraphiQL, which asks who you are, and introspects', async () => {
    const html = (await load({})).body.toString('utf8');
    expect(html).toContain('<div id="foreman-bar">');
    expect(html).toContain("fetch('/sign-in/status'");
    expect(html).not.toContain('"schema":null');
    expect(html).not.toContain('Introspection is off');
  });
});

describe('with INTROSPECTION=false', () => {
  it('GraphiQL does not introspect, and says so once', async () => {
    const closed = await startHarness({ env: { INTROSPECTION: 'false' } });
    try {
      const response = await request(`${closed.url}/graphql`, { headers: { accept: 'text/html' } });
      const html = await response.body.text();
      expect(response.statusCode).toBe(200);
      // GraphiQL's own switch: with no schema given and none to fetch, it asks for none.
      expect(html).toContain('"schema":null');
      expect(html.match(/Introspection is off on this gateway/g)).toHaveLength(1);
    } finally {
      await closed.close();
    }
  });
});
