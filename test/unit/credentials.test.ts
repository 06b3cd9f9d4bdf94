import { describe, expect, it } from 'vitest';
import { Callers } from '../../src/foreman/caller.js';
import { basicHeader, parseAuthorization } from '../../src/foreman/credentials.js';

const ADMIN = basicHeader('admin', 'changeme');
const encoded = Buffer.from('admin:changeme').toString('base64');

describe('an Authorization header read as Foreman reads it', () => {
  it('reads the many spellings Rails accepts as one credential, sent in one spelling', () => {
    for (const spelling of [
      `Basic ${encoded}`,
      `basic ${encoded}`,
      `BASIC ${encoded}`,
      `  Basic    ${encoded}  `,
      `Basic ${encoded.replace(/=+$/, '')}`,
      `Basic ${encoded.slice(0, 8)} ${encoded.slice(8)}`,
      `Basic ${encoded.slice(0, 8)}\n${encoded.slice(8)}`,
    ]) {
      expect(parseAuthorization(spelling), spelling).toEqual({
        ok: true,
        credential: { kind: 'basic', login: 'admin', secret: 'changeme' },
        header: ADMIN,
      });
    }
  });

  it('keeps a password with colons and an empty password whole', () => {
    expect(parseAuthorization(basicHeader('u', 'a:b:c'))).toMatchObject({
      credential: { login: 'u', secret: 'a:b:c' },
    });
    expect(parseAuthorization(basicHeader('u', ''))).toMatchObject({
      credential: { login: 'u', secret: '' },
    });
  });

  it('names what Foreman would refuse (and count as a failed login) instead of sending it', () => {
    expect(parseAuthorization('Basic')).toMatchObject({ ok: false });
    expect(parseAuthorization(`Basic ${Buffer.from('no-colon').toString('base64')}`)).toMatchObject(
      { ok: false, problem: expect.stringMatching(/login:password/) },
    );
    expect(parseAuthorization(`Basic ${Buffer.from(':secret').toString('base64')}`)).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/empty login/),
    });
    expect(parseAuthorization('Bearer')).toMatchObject({ ok: false });
    expect(parseAuthorization('"quoted" x')).toMatchObject({ ok: false });
  });

  it('passes other schemes on, spaces normalised', () => {
    expect(parseAuthorization('bearer  eyJ.a.b ')).toEqual({
      ok: true,
      credential: { kind: 'other', scheme: 'bearer', parameter: 'eyJ.a.b' },
      header: 'bearer eyJ.a.b',
    });
    expect(parseAuthorization(undefined)).toBeUndefined();
    expect(parseAuthorization('   ')).toBeUndefined();
  });
});

describe('Callers', () => {
  const callers = (options: Partial<ConstructorParameters<typeof Callers>[0]> = {}) =>
    new Callers({
      identityKey: Buffer.alloc(32, 7),
      trustedProxies: [],
      forwardClientAddress: false,
      ...options,
    });
  const facts = (authorization: string | undefined, peer = '203.0.113.5') => ({
    authorization,
    peer,
    forwardedFor: undefined,
  });

  it('gives every spelling of one credential one identity, and never holds the secret in it', () => {
    const of = callers();
    const identities = new Set(
      [`Basic ${encoded}`, `basic   ${encoded}`, `BASIC ${encoded.replace(/=+$/, '')}`].map(
        (spelling) => of.of(facts(spelling)).identity,
      ),
    );
    expect(identities.size).toBe(1);
    const [identity] = [...identities];
    expect(identity).not.toContain('changeme');
    expect(identity).not.toContain(encoded);
    expect(of.of(facts(basicHeader('admin', 'other'))).identity).not.toBe(identity);
    // Another key (another deployment) gives another identity.
    expect(callers({ identityKey: Buffer.alloc(32, 8) }).of(facts(ADMIN)).identity).not.toBe(
      identity,
    );
  });

  it('shares by credential, or by address where the credential is the gateway’s own', () => {
    const forwarding = callers().of(facts(ADMIN));
    expect(forwarding).toMatchObject({ login: 'admin', sharedCredential: false });
    expect(forwarding.share).toBe(`identity:${forwarding.identity}`);
    const service = callers({ serviceAccount: { username: 'svc', password: 'pw' } });
    const a = service.of(facts(ADMIN, '203.0.113.5'));
    const b = service.of(facts(undefined, '203.0.113.6'));
    expect(a.identity).toBe(b.identity);
    expect(a).toMatchObject({ login: 'svc', sharedCredential: true, share: 'address:203.0.113.5' });
    expect(b.share).toBe('address:203.0.113.6');
  });

  it('uses the fallback account only for callers who send nothing', () => {
    const demo = callers({ fallbackAccount: { username: 'admin', password: 'changeme' } });
    expect(demo.of(facts(undefined))).toMatchObject({ login: 'admin', sharedCredential: true });
    expect(demo.of(facts(basicHeader('viewer', 'viewer')))).toMatchObject({
      login: 'viewer',
      sharedCredential: false,
    });
    expect(demo.of(facts('Basic !!!'))).toMatchObject({
      authorization: undefined,
      problem: expect.any(String),
    });
  });
});
