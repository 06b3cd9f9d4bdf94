import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { DEMO_ADMIN, DEMO_VIEWER } from '../../src/demo/index.js';
import { EXAMPLE_LINE_MAX, GRAPHIQL_EXAMPLES } from '../../src/graphiql-examples.js';
import { SIGNED_OUT } from '../../src/signed-out.js';
import { basicAuth, type Harness, startHarness } from '../helpers/harness.js';
import { subscribe } from '../helpers/sse.js';

/**
 * GraphiQL users sign in with their Foreman login: `/sign-in` makes the browser ask (401 with
 * WWW-Authenticate) and checks the answer with Foreman; `/sign-in/status` says who the browser
 * is; `/sign-out` replaces the login with a marker the gateway treats as no credentials. Under
 * `npm start`'s demo, callers without credentials act as the demo admin and those who send their
 * own act as themselves.
 */

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(() => harness.close());

const MARKER = basicAuth(SIGNED_OUT);
const REALM = 'Basic realm="Foreman", charset="UTF-8"';

function get(path: string, headers: Record<string, string> = {}, on: Harness = harness) {
  return fetch(`${on.url}${path}`, { redirect: 'manual', headers });
}

function signIn(authorization?: string, to = '') {
  return get(`/sign-in${to}`, authorization ? { authorization } : {});
}

function startDemo() {
  return startHarness({
    configure: (config) => ({
      ...config,
      fallbackAccount: { username: DEMO_ADMIN.login, password: DEMO_ADMIN.password },
    }),
  });
}

function expectNoFraming(response: Response) {
  expect(response.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
  expect(response.headers.get('x-frame-options')).toBe('DENY');
}

describe('/sign-in', () => {
  it('without credentials, asks the browser for them', async () => {
    const response = await signIn();
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(REALM);
    expect(await response.text()).toContain('personal access token');
  });

  it('with credentials Foreman refuses, asks again; the refusal costs one failed login', async () => {
    harness.demo.resetLockouts();
    const wrong = `Basic ${Buffer.from('admin:nope').toString('base64')}`;
    for (let attempt = 0; attempt < 3; attempt++) {
      const response = await signIn(wrong);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
    }
    expect(harness.demo.failedLogins('127.0.0.1')).toBe(1);
  });

  it('with credentials Foreman accepts, goes back to GraphiQL (or a path on this origin)', async () => {
    const back = await signIn(basicAuth(DEMO_VIEWER));
    expect(back.status).toBe(303);
    expect(back.headers.get('location')).toBe('/graphql');
    const elsewhere = await signIn(basicAuth(DEMO_VIEWER), '?to=//evil.example/x');
    expect(elsewhere.headers.get('location')).toBe('/graphql');
    const onOrigin = await signIn(basicAuth(DEMO_VIEWER), '?to=/graphql%3Fquery%3D1');
    expect(onOrigin.headers.get('location')).toBe('/graphql?query=1');
  });

  it.each([
    ['non-ASCII', '/€', '/%E2%82%AC'],
    [
      'non-ASCII in the query',
      '/graphql?query={ a(b: "é") }',
      '/graphql?query={%20a(b:%20%22%C3%A9%22)%20}',
    ],
    ['an encoded CR/LF', '/graphql\r\nSet-Cookie: x=y', '/graphql'],
    ['a NUL', '/graphql\u0000', '/graphql'],
    ['another host', '//evil.example/x', '/graphql'],
    ['another host, with a backslash', '/\\evil.example/x', '/graphql'],
    ['another host, after dot segments', '/..//evil.example/x', '/graphql'],
    ['a full URL', 'https://evil.example/', '/graphql'],
    ['a scheme-relative tab trick', '/\t/evil.example', '/graphql'],
    ['a very long path', `/${'a'.repeat(5_000)}`, '/graphql'],
    ['a path that grows too long once encoded', `/${'€'.repeat(1_000)}`, '/graphql'],
    ['nothing', '', '/graphql'],
  ])('answers any ?to= (%s) with a valid same-origin Location', async (_, to, expected) => {
    harness.resetCounts();
    const response = await signIn(basicAuth(DEMO_VIEWER), `?to=${encodeURIComponent(to)}`);
    expect(response.status).toBe(303);
    const location = response.headers.get('location') ?? '';
    expect(location).toBe(expected);
    expect(location).toMatch(/^\/(?!\/)[\u0021-\u007e]*$/);
    expect(harness.upstream()).toHaveLength(1);
  });

  it('after a sign-out (the marker), asks again and sends nothing to Foreman', async () => {
    harness.resetCounts();
    const response = await signIn(MARKER);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(REALM);
    expect(harness.upstream()).toEqual([]);
  });

  it('is not framed, whatever it answers', async () => {
    expectNoFraming(await signIn());
    expectNoFraming(await signIn(basicAuth(DEMO_VIEWER)));
  });
});

describe('/sign-in/status', () => {
  async function status(headers: Record<string, string> = {}, on: Harness = harness) {
    const response = await get('/sign-in/status', headers, on);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expectNoFraming(response);
    return response.text();
  }

  it('names the login the browser sends, never its password, without asking Foreman', async () => {
    harness.resetCounts();
    const viewer = await status({ authorization: basicAuth(DEMO_VIEWER) });
    expect(JSON.parse(viewer)).toEqual({ login: 'viewer', mode: 'forwarding' });
    const admin = await status({ authorization: basicAuth(DEMO_ADMIN) });
    expect(JSON.parse(admin)).toEqual({ login: 'admin', mode: 'forwarding' });
    expect(admin).not.toContain(DEMO_ADMIN.password);
    // A wrong password is not this endpoint's business: Foreman refuses it on the next query.
    const wrong = await status({ authorization: `Basic ${btoa('admin:nope')}` });
    expect(JSON.parse(wrong)).toEqual({ login: 'admin', mode: 'forwarding' });
    expect(harness.upstream()).toEqual([]);
  });

  it('is no one without credentials, after a sign-out, or with another scheme', async () => {
    const cases: Array<Record<string, string>> = [
      {},
      { authorization: MARKER },
      { authorization: 'Bearer abc' },
    ];
    for (const headers of cases) {
      expect(JSON.parse(await status(headers))).toEqual({ login: null, mode: 'forwarding' });
    }
  });

  it('says "demo" under the demo, and "service-account" with one (naming no login)', async () => {
    const demo = await startDemo();
    const service = await startHarness({
      env: { FOREMAN_USERNAME: DEMO_ADMIN.login, FOREMAN_PASSWORD: DEMO_ADMIN.password },
    });
    try {
      // The start-up checks (the ping, the service account's check) are done and not counted.
      expect(service.upstream()).toEqual([]);
      expect(JSON.parse(await status({}, demo))).toEqual({ login: null, mode: 'demo' });
      const viewer = { authorization: basicAuth(DEMO_VIEWER) };
      expect(JSON.parse(await status(viewer, demo))).toEqual({ login: 'viewer', mode: 'demo' });
      expect(JSON.parse(await status(viewer, service))).toEqual({
        login: null,
        mode: 'service-account',
      });
      // With a service account there is nothing to sign in to.
      const nothing = await get('/sign-in', {}, service);
      expect(nothing.status).toBe(404);
      expect(await nothing.text()).toContain('service account');
      expect(demo.upstream()).toEqual([]);
      expect(service.upstream()).toEqual([]);
    } finally {
      await demo.close();
      await service.close();
    }
  });
});

describe('/sign-out', () => {
  it("refuses the sign-out script's first try, accepts the marker, all without Foreman", async () => {
    harness.resetCounts();
    harness.demo.resetLockouts();
    const script = { 'x-sign-out': '1' };
    const first = await get('/sign-out', { ...script, authorization: basicAuth(DEMO_VIEWER) });
    expect(first.status).toBe(401);
    expect(first.headers.get('www-authenticate')).toBe(REALM);
    const bare = await get('/sign-out', script);
    expect(bare.status).toBe(401);
    const marked = await get('/sign-out', { ...script, authorization: MARKER });
    expect(marked.status).toBe(200);
    expect(await marked.json()).toEqual({ signedOut: true });
    expect(marked.headers.get('cache-control')).toBe('no-store');
    expectNoFraming(marked);
    expect(harness.upstream()).toEqual([]);
    expect(harness.demo.failedLogins('127.0.0.1')).toBe(0);
  });

  it('opened as a page, offers a button rather than a login prompt', async () => {
    const page = await get('/sign-out', { authorization: basicAuth(DEMO_VIEWER) });
    expect(page.status).toBe(200);
    expect(page.headers.get('www-authenticate')).toBeNull();
    expectNoFraming(page);
    const html = await page.text();
    expect(html).toContain('<button id="sign-out"');
    expect(html).toContain(JSON.stringify(SIGNED_OUT.login));
  });
});

describe('the signed-out marker is no credentials', () => {
  const count = '{ computeResources { totalCount } }';

  it('forwarding: UNAUTHENTICATED, with nothing sent to Foreman and no failed login', async () => {
    harness.resetCounts();
    harness.demo.resetLockouts();
    const result = await harness.query(count, { as: MARKER });
    expect(result.data).toEqual({ computeResources: null });
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(harness.upstream()).toEqual([]);
    expect(harness.demo.failedLogins('127.0.0.1')).toBe(0);
  });

  it('under the demo: the demo admin again (the marker never reaches Foreman)', async () => {
    const demo = await startDemo();
    try {
      const result = await demo.query<{ computeResources: { totalCount: number } }>(count, {
        as: MARKER,
      });
      expect(result.data?.computeResources.totalCount).toBe(7);
      expect(demo.upstream().map((r) => [r.login, r.status])).toEqual([['admin', 200]]);
      expect(demo.upstream().map((r) => r.headers.authorization)).toEqual([basicAuth(DEMO_ADMIN)]);
    } finally {
      await demo.close();
    }
  });
});

describe('under npm start (the demo): the caller’s own credentials, else the demo admin', () => {
  it('acts as the demo admin without credentials and as the viewer with the viewer’s', async () => {
    const demo = await startDemo();
    try {
      const count = '{ computeResources { totalCount } }';
      const anonymous = await demo.query<{ computeResources: { totalCount: number } }>(count, {
        as: null,
      });
      const viewer = await demo.query<{ computeResources: { totalCount: number } }>(count, {
        as: DEMO_VIEWER,
      });
      expect(anonymous.data?.computeResources.totalCount).toBe(7);
      expect(viewer.data?.computeResources.totalCount).toBe(3);
    } finally {
      await demo.close();
    }
  });
});

describe('the GraphiQL examples', () => {
  const operations = [
    ...GRAPHIQL_EXAMPLES.matchAll(
      /# Costs (\d+) upstream requests?[^\n]*\n(?:#[^\n]*\n)*(query|mutation|subscription) (\w+)/g,
    ),
  ].map((match) => ({ cost: Number(match[1]), type: match[2], name: match[3] as string }));
  const costOf = (name: string) => operations.find((o) => o.name === name)?.cost;
  const admin = { 'content-type': 'application/json', authorization: basicAuth(DEMO_ADMIN) };

  async function run(on: Harness, operationName: string, variables: Record<string, unknown> = {}) {
    const response = await fetch(`${on.url}/graphql`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ query: GRAPHIQL_EXAMPLES, operationName, variables }),
    });
    const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown };
    expect(body.errors).toBeUndefined();
    return body.data;
  }

  it('state their cost, each of them: queries, a mutation of each kind, a subscription', () => {
    expect(operations.map((o) => `${o.type} ${o.name}`)).toEqual([
      'query ImagesWithRelations',
      'query PageThroughImages',
      'query SearchImages',
      'query NodeById',
      'mutation CreateImage',
      'mutation RenameImage',
      'subscription ImageChanges',
    ]);
  });

  it(`fit in GraphiQL’s editor at 1280 px: no line is longer than ${EXAMPLE_LINE_MAX} characters`, () => {
    expect(EXAMPLE_LINE_MAX).toBeLessThanOrEqual(44);
    const long = GRAPHIQL_EXAMPLES.split('\n').filter(
      (line) => [...line].length > EXAMPLE_LINE_MAX,
    );
    expect(long).toEqual([]);
  });

  it.each(operations.filter((o) => o.type === 'query'))(
    '$name costs the $cost upstream requests it says',
    async ({ name, cost }) => {
      const fresh = await startHarness();
      try {
        await run(fresh, name);
        expect(fresh.upstream()).toHaveLength(cost);
      } finally {
        await fresh.close();
      }
    },
  );

  it('CreateImage costs what it says, with its default variables, and refuses a second run as data', async () => {
    const fresh = await startHarness();
    try {
      const created = (await run(fresh, 'CreateImage')) as {
        createImage: { image: { name: string; uuid: string }; errors: unknown[] };
      };
      expect(created.createImage.errors).toEqual([]);
      expect(created.createImage.image).toMatchObject({ name: 'my-first-image' });
      expect(fresh.upstream()).toHaveLength(costOf('CreateImage') as number);
      const again = (await run(fresh, 'CreateImage', { name: 'my-first-image' })) as {
        createImage: { image: null; errors: Array<{ __typename: string; message: string }> };
      };
      expect(again.createImage.image).toBeNull();
      expect(again.createImage.errors.map((e) => e.message)).toContain(
        'Name has already been taken',
      );
    } finally {
      await fresh.close();
    }
  });

  it('RenameImage costs what it says right after CreateImage, and again', async () => {
    const fresh = await startHarness();
    try {
      const created = (await run(fresh, 'CreateImage')) as {
        createImage: { image: { id: string } };
      };
      const { id } = created.createImage.image;
      fresh.resetCounts();
      const renamed = (await run(fresh, 'RenameImage', { id })) as {
        updateImage: { image: { name: string; iamRole: null }; errors: unknown[] };
      };
      expect(renamed.updateImage).toEqual({
        image: { id, name: 'my-renamed-image', iamRole: null },
        errors: [],
      });
      expect(costOf('RenameImage')).toBe(2);
      expect(fresh.upstream()).toHaveLength(2);
      fresh.resetCounts();
      await run(fresh, 'RenameImage', { id, name: 'renamed-again' });
      expect(fresh.upstream()).toHaveLength(2);
    } finally {
      await fresh.close();
    }
  });

  it('ImageChanges costs what it says when it opens, the interval it names, and 2 per change', async () => {
    // The default interval is what the example names; a long one here keeps the count exact.
    expect(loadConfig({}).live.pollIntervalMs).toBe(5_000);
    expect(GRAPHIQL_EXAMPLES).toContain('# it opens, and 1 every 5 s while it is open');
    expect(GRAPHIQL_EXAMPLES).toMatch(/# subscriptions\); then 2 per change:/);
    const fresh = await startHarness({ env: { AUDIT_POLL_INTERVAL_MS: '600000' } });
    // GraphiQL sends only the operation it runs (the last one here).
    const subscription = GRAPHIQL_EXAMPLES.slice(GRAPHIQL_EXAMPLES.indexOf('subscription '));
    const stream = await subscribe<{ data?: { imageChanged: { action: string } } }>(
      fresh.url,
      subscription,
      { headers: { authorization: basicAuth(DEMO_ADMIN) } },
    );
    try {
      const live = () => fresh.upstream().filter((r) => r.requestId?.startsWith('live-'));
      await expect.poll(() => live().length).toBe(costOf('ImageChanges'));
      expect(live().map((r) => r.path)).toEqual(['/api/audits']);
      fresh.resetCounts();
      await run(fresh, 'CreateImage');
      const [event] = await stream.waitFor(1);
      expect(event?.data?.imageChanged.action).toBe('CREATED');
      expect(live()).toHaveLength(2);
    } finally {
      stream.close();
      await fresh.close();
    }
  });
});
