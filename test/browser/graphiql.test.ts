import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN } from '../../src/demo/index.js';
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

  afterAll(async () => {
    await browser?.close();
    await harness?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('opens /graphql, runs a typed operation and shows its result, all from 127.0.0.1', async () => {
    const page = await browser.newPage();
    await page.goto(`${harness.url}/graphql`);
    await page.waitForSelector('.graphiql-execute-button', { timeout: 20_000 });

    await page.click('.graphiql-query-editor .monaco-editor .view-lines');
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    // insertText avoids Monaco's bracket auto-closing, which typing would trigger.
    await page.keyboard.insertText(
      '{ computeResource(id: "2") { name images(first: 2) { totalCount nodes { architecture { name } } } } }',
    );
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
          return text.includes('totalCount');
        },
        { timeout: 15_000, interval: 200 },
      )
      .toBe(true);
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
});
