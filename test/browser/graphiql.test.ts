import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN, DEMO_VIEWER } from '../../src/demo/index.js';
import { type Harness, startHarness } from '../helpers/harness.js';

const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  // .ci/run installs Chromium and fails when this test did not pass, so a skip only happens locally.
  console.warn(
    `GraphiQL browser test skipped: no Chromium at ${CHROMIUM} (apt-get install chromium to run it)`,
  );
}

describe.skipIf(!haveChromium)('GraphiQL in a real browser', () => {
  let harness: Harness;
  let browser: BrowserContext;
  let profile: string;
  const requested: string[] = [];

  beforeAll(async () => {
    // As `npm start` with the demo: a service account, so GraphiQL needs no headers.
    harness = await startHarness({
      env: { FOREMAN_USERNAME: DEMO_ADMIN.login, FOREMAN_PASSWORD: DEMO_ADMIN.password },
    });
    profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
    browser = await chromium.launchPersistentContext(profile, {
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
    browser.on('request', (request) => requested.push(request.url()));
  }, 30_000);

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

  afterAll(async () => {
    await browser?.close();
    await harness?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('opens /graphql, runs a typed operation and shows its result, all from 127.0.0.1', async () => {
    const page = await browser.newPage();
    await page.goto(`${harness.url}/graphql`);
    await page.waitForSelector('.graphiql-execute-button', { timeout: 20_000 });

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
  }, 60_000);

  it("signs in with the browser's own login prompt, then runs queries as that user", async () => {
    // Forwarding callers' credentials, as in production: GraphiQL starts signed out.
    const forwarding = await startHarness();
    const context = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
      ],
    });
    try {
      // What a person types into the browser's prompt.
      const signedIn = await context.newContext({
        httpCredentials: { username: DEMO_VIEWER.login, password: DEMO_VIEWER.password },
      });
      const page = await signedIn.newPage();
      await page.goto(`${forwarding.url}/graphql`);
      await page.waitForSelector('.graphiql-execute-button', { timeout: 20_000 });
      const query = '{ computeResources { totalCount } }';
      // The pane wraps long messages inside their strings: read it as text, not JSON.
      const refused = (await run(page, query, 'UNAUTHENTICATED')).replace(/\s+/g, ' ');
      expect(refused).toMatch(/"code": "UNAUTHENTICATED"/);
      expect(refused).toMatch(/"computeResources": null/);

      await page.click('#foreman-sign-in a');
      await page.waitForURL(`${forwarding.url}/graphql`);
      await page.waitForSelector('.graphiql-execute-button', { timeout: 20_000 });
      const text = await run(page, query, 'totalCount');
      // The viewer sees 3 of the 7 compute resources.
      expect(JSON.parse(text)).toEqual({ data: { computeResources: { totalCount: 3 } } });
    } finally {
      await context.close();
      await forwarding.close();
    }
  }, 60_000);

  it('runs the imageChanged subscription and shows a change as it happens', async () => {
    const page = await browser.newPage();
    await page.goto(`${harness.url}/graphql`);
    await page.waitForSelector('.graphiql-execute-button', { timeout: 20_000 });
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
  }, 60_000);
});
