import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/foreman/errors.js';
import { LoginGuard } from '../../src/foreman/http/login-guard.js';

function guard(overrides: Partial<ConstructorParameters<typeof LoginGuard>[0]> = {}) {
  let now = 1_000_000;
  const instance = new LoginGuard({
    refusedCredentialTtlMs: 60_000,
    clientFailureLimit: 3,
    foremanFailureBudget: 5,
    windowMs: 300_000,
    now: () => now,
    ...overrides,
  });
  return { instance, advance: (ms: number) => (now += ms) };
}

async function kind(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'admitted';
  } catch (error) {
    return error instanceof UpstreamError ? error.kind : String(error);
  }
}

describe('LoginGuard', () => {
  it('lets one request try an unknown credential; the others wait for its answer', async () => {
    const { instance } = guard();
    const first = await instance.admit('c', 'client', 'gateway');
    let secondAdmitted = false;
    const second = instance.admit('c', 'client', 'gateway').then((admission) => {
      secondAdmitted = true;
      return admission;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(secondAdmitted).toBe(false);
    first.settle('accepted');
    (await second).settle('accepted');
    expect(secondAdmitted).toBe(true);
  });

  it('refuses a refused credential locally until its time is up, then tries again', async () => {
    const { instance, advance } = guard();
    (await instance.admit('c', 'client', 'gateway')).settle('refused');
    expect(await kind(instance.admit('c', 'client', 'gateway'))).toBe('credentials_refused');
    advance(60_001);
    expect(await kind(instance.admit('c', 'client', 'gateway'))).toBe('admitted');
  });

  it('spends a client’s budget, then Foreman’s, on credentials not seen working', async () => {
    const { instance } = guard();
    for (const credential of ['a', 'b', 'c']) {
      (await instance.admit(credential, 'mallory', 'gateway')).settle('refused');
    }
    expect(await kind(instance.admit('d', 'mallory', 'gateway'))).toBe('login_budget');
    (await instance.admit('e', 'alice', 'gateway')).settle('refused');
    (await instance.admit('f', 'bob', 'gateway')).settle('refused');
    expect(await kind(instance.admit('g', 'carol', 'gateway'))).toBe('login_budget');
  });

  it('a credential that worked keeps working while the budgets are spent', async () => {
    const { instance } = guard({ foremanFailureBudget: 1 });
    (await instance.admit('good', 'alice', 'gateway')).settle('accepted');
    (await instance.admit('bad', 'mallory', 'gateway')).settle('refused');
    expect(await kind(instance.admit('other', 'carol', 'gateway'))).toBe('login_budget');
    expect(await kind(instance.admit('good', 'alice', 'gateway'))).toBe('admitted');
  });

  it('an answer that was not a refusal gives the reservation back', async () => {
    const { instance } = guard({ clientFailureLimit: 1 });
    (await instance.admit('a', 'client', 'gateway')).settle('unknown');
    (await instance.admit('b', 'client', 'gateway')).settle('accepted');
    expect(await kind(instance.admit('c', 'client', 'gateway'))).toBe('admitted');
  });

  it('after Foreman’s own lockout, sends nothing until its window has passed', async () => {
    const { instance, advance } = guard();
    (await instance.admit('good', 'alice', 'gateway')).settle('accepted');
    (await instance.admit('good', 'alice', 'gateway')).settle('locked-out');
    expect(await kind(instance.admit('good', 'alice', 'gateway'))).toBe('login_budget');
    advance(300_001);
    expect(await kind(instance.admit('good', 'alice', 'gateway'))).toBe('admitted');
  });

  it('hashes credentials with a key: the same secret gives the same id, never the secret', async () => {
    const { instance } = guard();
    const id = await instance.credentialId('Basic YWRtaW46Y2hhbmdlbWU=');
    expect(await instance.credentialId('Basic YWRtaW46Y2hhbmdlbWU=')).toBe(id);
    expect(id).not.toContain('YWRtaW46Y2hhbmdlbWU');
    expect(await guard().instance.credentialId('Basic YWRtaW46Y2hhbmdlbWU=')).not.toBe(id);
  });
});
