import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN, DEMO_VIEWER } from '../../src/demo/index.js';
import { GRAPHIQL_EXAMPLES } from '../../src/graphiql-examples.js';
import { SIGNED_OUT } from '../../src/signed-out.js';
import { basicAuth, type Harness, startHarness } from '../helpers/harness.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  // .ci/run installs Chromium and fails when this test did not pass, so a skip only happens locally.
  console.warn(
    `GraphiQL browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium to run it)`,
  );
}

const MARKER = basicAuth(SIGNED_OUT);

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

const intersects = (a: Box, b: Box) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe.skipIf(!haveChromium)('GraphiQL in a real browser', () => {
  let harness: Harness;
  let browser: Browser;

  beforeAll(async () => {
    // A service account, so GraphiQL needs no headers.
    harness = await startHarness({
      env: { FOREMAN_USERNAME: DEMO_ADMIN.login, FOREMAN_PASSWORD: DEMO_ADMIN.password },
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        // No DNS lookups at all except loopback: the page must work with no internet.
        '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
      ],
    });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await harness?.close();
  });

  async function open(context: BrowserContext, url: string): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${url}/graphql`);
    await page.waitForSelector('.graphiql-execute-button', { timeout: 20_000 });
    return page;
  }

  /** The bar's account of who you are, once it has asked the gateway. */
  async function identity(page: Page, expected: string): Promise<string> {
    let text = '';
    await expect
      .poll(
        async () => {
          text = (await page.locator('#foreman-identity').textContent()) ?? '';
          return text.includes(expected);
        },
        { timeout: 10_000, interval: 100 },
      )
      .toBe(true);
    return text;
  }

  /** Replaces the editor's text with `query` and runs it; resolves the response pane's text. */
  async function run(page: Page, query: string, expected: string): Promise<string> {
    await page.click('.graphiql-query-editor .monaco-editor .view-lines');
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    // insertText avoids Monaco's bracket auto-closing, which typing would trigger.
    await page.keyboard.insertText(query);
    // GraphiQL re-infers the operation name from the editor after a debounce; running at once
    // would still send the name of the example operation that was there before.
    await page.waitForTimeout(800);
    await page.keyboard.press('Control+Enter');
    return response(page, expected);
  }

  async function response(page: Page, expected: string): Promise<string> {
    let text = '';
    await expect
      .poll(
        async () => {
          // Monaco renders spaces as U+00A0.
          // biome-ignore lint/performance/useDomNodeTextContent: innerText keeps the rendered line breaks.
          text = (await page.locator('.graphiql-response').innerText()).replace(/\u00a0/g, ' ');
          return text.includes(expected);
        },
        { timeout: 15_000, interval: 200 },
      )
      .toBe(true);
    return text;
  }

  it('opens /graphql, runs a typed operation and shows its result, all from 127.0.0.1', async () => {
    const context = await browser.newContext();
    const requested: string[] = [];
    context.on('request', (request) => requested.push(request.url()));
    try {
      const page = await open(context, harness.url);
      await identity(page, 'service account');
      const text = await run(
        page,
        '{ computeResource(id: "2") { name images(first: 2) { totalCount nodes { architecture { name } } } } }',
        'totalCount',
      );
      const result = JSON.parse(text) as {
        data: { computeResource: { name: string; images: { totalCount: number } } };
      };
      expect(result.data.computeResource.name).toBe('vcenter-prod');
      expect(result.data.computeResource.images.totalCount).toBe(300);

      const offHost = requested.filter((url) => {
        if (url.startsWith('data:') || url.startsWith('blob:')) return false;
        return new URL(url).hostname !== '127.0.0.1';
      });
      expect(offHost).toEqual([]);
      expect(requested.some((url) => url.endsWith('/graphql'))).toBe(true);
    } finally {
      await context.close();
    }
  }, 60_000);

  it('forwarding: signs in with the browser’s own prompt, shows who, and signs out', async () => {
    // Forwarding callers' credentials, as in production: GraphiQL starts signed out.
    const forwarding = await startHarness();
    // What a person types into the browser's prompt.
    const context = await browser.newContext({
      httpCredentials: { username: DEMO_VIEWER.login, password: DEMO_VIEWER.password },
    });
    try {
      const page = await open(context, forwarding.url);
      await identity(page, 'Not signed in');
      const query = '{ computeResources { totalCount } }';
      // The pane wraps long messages inside their strings: read it as text, not JSON.
      const refused = (await run(page, query, 'UNAUTHENTICATED')).replace(/\s+/g, ' ');
      expect(refused).toMatch(/"code": "UNAUTHENTICATED"/);
      expect(refused).toMatch(/"computeResources": null/);

      await page.click('#foreman-bar a');
      await page.waitForURL(`${forwarding.url}/graphql`);
      await page.waitForSelector('.graphiql-execute-button', { timeout: 20_000 });
      expect(await identity(page, 'Signed in as')).toBe('Signed in as viewer.');
      const text = await run(page, query, 'totalCount');
      // The viewer sees 3 of the 7 compute resources.
      expect(JSON.parse(text)).toEqual({ data: { computeResources: { totalCount: 3 } } });

      await page.click('#foreman-bar button');
      await identity(page, 'Not signed in');
      forwarding.resetCounts();
      const after = (await run(page, query, 'UNAUTHENTICATED')).replace(/\s+/g, ' ');
      expect(after).toMatch(/"computeResources": null/);
      // Refused by the gateway itself: nothing reached Foreman, so no failed login either.
      expect(forwarding.upstream()).toEqual([]);
      expect(forwarding.demo.failedLogins('127.0.0.1')).toBe(0);
    } finally {
      await context.close();
      await forwarding.close();
    }
  }, 90_000);

  it('the demo: signed in as the viewer, then signed out, acts as the demo admin again', async () => {
    const demo = await startHarness({
      configure: (config) => ({
        ...config,
        fallbackAccount: { username: DEMO_ADMIN.login, password: DEMO_ADMIN.password },
      }),
    });
    const context = await browser.newContext({
      httpCredentials: { username: DEMO_VIEWER.login, password: DEMO_VIEWER.password },
    });
    // What the browser's network stack really sent (its cached credentials included).
    const sentToGateway: Array<Promise<string | undefined>> = [];
    context.on('request', (request) =>
      sentToGateway.push(request.allHeaders().then((headers) => headers.authorization)),
    );
    try {
      const page = await open(context, demo.url);
      await identity(page, 'Demo: you act as the demo admin.');
      await page.click('#foreman-bar a');
      await page.waitForURL(`${demo.url}/graphql`);
      await page.waitForSelector('.graphiql-execute-button', { timeout: 20_000 });
      expect(await identity(page, 'Signed in as')).toBe('Signed in as viewer.');
      const query = '{ computeResources { totalCount } }';
      expect(JSON.parse(await run(page, query, 'totalCount'))).toEqual({
        data: { computeResources: { totalCount: 3 } },
      });

      await page.click('#foreman-bar button');
      await identity(page, 'Demo: you act as the demo admin.');
      const signedIn = demo.upstream();
      demo.resetCounts();
      expect(JSON.parse(await run(page, query, 'totalCount'))).toEqual({
        data: { computeResources: { totalCount: 7 } },
      });
      // The browser now sends the marker to the gateway...
      expect(await Promise.all(sentToGateway)).toContain(MARKER);
      // ...which sent the admin's credentials in its place.
      expect(demo.upstream().map((r) => [r.login, r.status])).toEqual([['admin', 200]]);
      // Over the whole session, Foreman never saw the marker, and refused nothing.
      const seen = [...signedIn, ...demo.demo.requests];
      expect(seen.length).toBeGreaterThan(2);
      expect(seen.filter((r) => r.headers.authorization === MARKER)).toEqual([]);
      expect(seen.filter((r) => r.login === null || r.status !== 200)).toEqual([]);
      expect(new Set(seen.map((r) => r.login))).toEqual(new Set(['viewer', 'admin']));
      expect(demo.demo.failedLogins('127.0.0.1')).toBe(0);
    } finally {
      await context.close();
      await demo.close();
    }
  }, 90_000);

  it('the /sign-out page signs out too, with its button', async () => {
    const forwarding = await startHarness();
    const context = await browser.newContext({
      httpCredentials: { username: DEMO_VIEWER.login, password: DEMO_VIEWER.password },
    });
    try {
      const page = await context.newPage();
      const status = async () => JSON.parse((await page.locator('body').textContent()) ?? '');
      await page.goto(`${forwarding.url}/sign-in?to=/sign-in/status`);
      expect(await status()).toEqual({ login: 'viewer', mode: 'forwarding' });
      await page.goto(`${forwarding.url}/sign-out`);
      await page.click('#sign-out');
      await page.waitForSelector('text=You are signed out.');
      await page.goto(`${forwarding.url}/sign-in/status`);
      expect(await status()).toEqual({ login: null, mode: 'forwarding' });
      // One request reached Foreman, the sign-in's check, and it succeeded.
      expect(forwarding.upstream().map((r) => [r.path, r.login, r.status])).toEqual([
        ['/api/status', 'viewer', 200],
      ]);
    } finally {
      await context.close();
      await forwarding.close();
    }
  }, 60_000);

  it('runs the imageChanged subscription and shows a change as it happens', async () => {
    const context = await browser.newContext();
    try {
      const page = await open(context, harness.url);
      const image = harness.demo.store.images.find((i) => i.computeResourceId === 1);
      if (!image) throw new Error('no image in compute resource 1');
      const opened = page.waitForResponse(
        (response) =>
          response.request().method() === 'POST' &&
          (response.headers()['content-type'] ?? '').startsWith('text/event-stream'),
        { timeout: 20_000 },
      );
      const seen = run(page, 'subscription { imageChanged { action foremanId } }', 'UPDATED');
      expect((await opened).status()).toBe(200);
      // The change happens elsewhere, after GraphiQL's stream is open.
      const written = await harness.query(
        `mutation { updateImage(input: { id: "${image.id}", name: "seen-in-graphiql" }) { errors { message } } }`,
      );
      expect(written.errors).toBeUndefined();
      const text = await seen;
      expect(text).toContain('"action": "UPDATED"');
      expect(text).toContain(`"foremanId": ${image.id}`);
    } finally {
      await context.close();
    }
  }, 60_000);

  it.each([1280, 1920])(
    'at %i px, cuts no example line and keeps the bar off the results',
    async (width) => {
      const context = await browser.newContext({ viewport: { width, height: 800 } });
      try {
        const page = await open(context, harness.url);
        await identity(page, 'service account');
        const box = async (selector: string): Promise<Box> => {
          const found = await page.locator(selector).first().boundingBox();
          if (!found) throw new Error(`${selector} is not shown`);
          return found;
        };

        // Page through the examples: Monaco renders only the lines in view.
        const lines = GRAPHIQL_EXAMPLES.split('\n').length;
        const viewport = await box('.graphiql-query-editor .monaco-scrollable-element');
        const scrollbar = await box('.graphiql-query-editor .scrollbar.vertical');
        const textRight = viewport.x + viewport.width - scrollbar.width;
        let widest = 0;
        let cut: string[] = [];
        await page.click('.graphiql-query-editor .monaco-editor .view-lines');
        await page.keyboard.press('Control+Home');
        for (let pageDown = 0; pageDown < 20; pageDown++) {
          const rendered = await page.$$eval('.graphiql-query-editor .view-line', (rows) =>
            rows.map((row) => {
              const text = row.firstElementChild as HTMLElement | null;
              const rect = text?.getBoundingClientRect();
              return { text: row.textContent ?? '', right: rect ? rect.right : 0 };
            }),
          );
          for (const row of rendered) {
            widest = Math.max(widest, row.right - viewport.x);
            if (row.right > textRight) cut.push(row.text);
          }
          const numbers = await page.$$eval('.graphiql-query-editor .line-numbers', (cells) =>
            cells.map((cell) => Number(cell.textContent)),
          );
          if (numbers.includes(lines)) break;
          await page.keyboard.press('PageDown');
        }
        cut = [...new Set(cut)];
        console.info(
          `GraphiQL at ${width} px: widest example line ${Math.round(widest)} px of ${Math.round(textRight - viewport.x)} px`,
        );
        expect(cut).toEqual([]);
        // Nor is there anything to scroll sideways to (Monaco scrolls four columns past the
        // widest line it has shown, which would put a scrollbar under lines that just fit).
        const content = '.graphiql-query-editor .lines-content';
        const before = (await box(content)).x;
        await page.mouse.move(viewport.x + viewport.width / 2, viewport.y + viewport.height / 2);
        await page.mouse.wheel(400, 0);
        await page.waitForTimeout(300);
        expect((await box(content)).x).toBe(before);

        // Run the first example, from the ▶ button's list of operations.
        await page.click('.graphiql-execute-button');
        await page.getByRole('menuitem', { name: 'ImagesWithRelations' }).click();
        await response(page, 'totalCount');

        const bar = await box('#foreman-bar');
        const results = await box('.graphiql-response');
        const editors = await box('.graphiql-sessions');
        expect(intersects(bar, results)).toBe(false);
        expect(intersects(bar, editors)).toBe(false);
        // The bar's text is all there: nothing scrolls or overflows out of it, or off the window.
        const overflow = await page.$eval('#foreman-bar', (element) => ({
          scroll: element.scrollWidth - element.clientWidth,
          rightmost: Math.max(
            ...[...element.children].map((child) => child.getBoundingClientRect().right),
          ),
        }));
        expect(overflow.scroll).toBeLessThanOrEqual(0);
        expect(overflow.rightmost).toBeLessThanOrEqual(width);
        // GraphiQL gets what the bar leaves: none of it is pushed below the window.
        const root = await box('#root');
        expect(root.y).toBeGreaterThanOrEqual(bar.y + bar.height);
        expect(root.y + root.height).toBeLessThanOrEqual(800);
        expect(results.y + results.height).toBeLessThanOrEqual(800);

        // The picture to look at: the bar, the tour's first lines, and their result.
        await page.click('.graphiql-query-editor .monaco-editor .view-lines');
        await page.keyboard.press('Control+Home');
        const shot = join(tmpdir(), `graphiql-${width}.png`);
        await page.screenshot({ path: shot });
        console.info(`GraphiQL at ${width} px: screenshot in ${shot}`);
      } finally {
        await context.close();
      }
    },
    60_000,
  );

  it('with INTROSPECTION=false, asks for no schema, says so once, and still runs queries', async () => {
    const closed = await startHarness({
      env: {
        INTROSPECTION: 'false',
        FOREMAN_USERNAME: DEMO_ADMIN.login,
        FOREMAN_PASSWORD: DEMO_ADMIN.password,
      },
    });
    const context = await browser.newContext();
    const posted: string[] = [];
    context.on('request', (request) => {
      if (request.method() === 'POST') posted.push(request.postData() ?? '');
    });
    try {
      const page = await open(context, closed.url);
      expect(await page.locator('#foreman-introspection-off').count()).toBe(1);
      expect(await page.locator('#foreman-introspection-off').isVisible()).toBe(true);
      const text = await run(page, '{ computeResource(id: "2") { name } }', 'vcenter-prod');
      expect(JSON.parse(text)).toEqual({ data: { computeResource: { name: 'vcenter-prod' } } });
      // The one POST is the query: GraphiQL sent no introspection, so showed no refusals.
      expect(posted).toHaveLength(1);
      expect(posted.join('\n')).not.toContain('__schema');
      expect(text).not.toContain('introspection');
    } finally {
      await context.close();
      await closed.close();
    }
  }, 60_000);

  it('may not be framed by another site: GraphiQL, /sign-in and /sign-out', async () => {
    const framed = ['/graphql', '/sign-in', '/sign-out'];
    // A control that may be framed, so a frame that fails to load proves nothing by itself.
    const control = '/healthz';
    const other: Server = createServer((_, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(
        [...framed, control]
          .map((path) => `<iframe src="${harness.url}${path}"></iframe>`)
          .join(''),
      );
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const answered = new Set<string>();
      page.on('response', (response) => answered.add(new URL(response.url()).pathname));
      await page.goto(`http://127.0.0.1:${(other.address() as AddressInfo).port}/`);
      await expect.poll(() => framed.every((path) => answered.has(path))).toBe(true);
      await expect
        .poll(() => page.frames().some((frame) => frame.url() === `${harness.url}${control}`))
        .toBe(true);
      const loaded = page.frames().map((frame) => frame.url());
      for (const path of framed) expect(loaded).not.toContain(`${harness.url}${path}`);
    } finally {
      await context.close();
      await new Promise((resolve) => other.close(resolve));
    }
  }, 60_000);
});
