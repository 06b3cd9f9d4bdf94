import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ADMIN, DEMO_VIEWER } from '../../src/demo/index.js';
import { GRAPHIQL_EXAMPLES } from '../../src/graphiql-examples.js';
import { basicAuth, type Harness, startHarness } from '../helpers/harness.js';

/**
 * GraphiQL users sign in with their Foreman login: `/sign-in` makes the browser ask (401 with
 * WWW-Authenticate) and checks the answer with Foreman. Under `npm start`'s demo, callers without
 * credentials act as the demo admin and those who send their own act as themselves.
 */

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(() => harness.close());

function signIn(authorization?: string, to = '') {
  return fetch(`${harness.url}/sign-in${to}`, {
    redirect: 'manual',
    headers: authorization ? { authorization } : {},
  });
}

describe('/sign-in', () => {
  it('without credentials, asks the browser for them', async () => {
    const response = await signIn();
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Basic realm="Foreman", charset="UTF-8"');
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

  it('the GraphiQL page says how to sign in', async () => {
    const page = await fetch(`${harness.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await page.text()).toContain('href="/sign-in?to=/graphql"');
  });
});

describe('under npm start (the demo): the caller’s own credentials, else the demo admin', () => {
  it('acts as the demo admin without credentials and as the viewer with the viewer’s', async () => {
    const demo = await startHarness({
      configure: (config) => ({
        ...config,
        fallbackAccount: { username: DEMO_ADMIN.login, password: DEMO_ADMIN.password },
      }),
    });
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
      const page = await fetch(`${demo.url}/graphql`, { headers: { accept: 'text/html' } });
      expect(await page.text()).toContain('you act as the demo admin');
    } finally {
      await demo.close();
    }
  });
});

describe('the GraphiQL examples', () => {
  const operations = [
    ...GRAPHIQL_EXAMPLES.matchAll(
      /# Costs (\d+) upstream requests?[^\n]*\n(?:#[^\n]*\n)*query (\w+)/g,
    ),
  ].map((match) => ({ cost: Number(match[1]), name: match[2] as string }));

  it('state their cost, each of them', () => {
    expect(operations.map((o) => o.name)).toEqual([
      'ImagesWithRelations',
      'PageThroughImages',
      'SearchImages',
      'NodeById',
    ]);
  });

  it.each(operations)('$name costs the $cost upstream requests it says', async ({ name, cost }) => {
    const fresh = await startHarness();
    try {
      const response = await fetch(`${fresh.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basicAuth(DEMO_ADMIN) },
        body: JSON.stringify({ query: GRAPHIQL_EXAMPLES, operationName: name }),
      });
      const body = (await response.json()) as { errors?: unknown };
      expect(body.errors).toBeUndefined();
      expect(fresh.upstream()).toHaveLength(cost);
    } finally {
      await fresh.close();
    }
  });
});
