import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/foreman/errors.js';
import {
  type Admission,
  type CallCredential,
  LoginGuard,
  type LoginGuardOptions,
} from '../../src/foreman/http/login-guard.js';
import { MemoryLoginLedger } from '../../src/foreman/http/login-ledger.js';

function guard(overrides: Partial<LoginGuardOptions> = {}) {
  let now = 1_000_000;
  const clock = () => now;
  const ledger = new MemoryLoginLedger(clock);
  const instance = new LoginGuard({
    refusedCredentialTtlMs: 60_000,
    clientFailureLimit: 3,
    foremanFailureBudget: 5,
    windowMs: 300_000,
    idleProbeMs: 30_000,
    ledger,
    now: clock,
    ...overrides,
  });
  return { instance, ledger, advance: (ms: number) => (now += ms) };
}

function as(identity: string, client = 'client'): CallCredential {
  return { identity, client, foremanKey: 'gateway' };
}

/** Admits a call; `dropped` holds the refusal if the guard drops it before it is sent. */
async function admit(instance: LoginGuard, credential: CallCredential, signal?: AbortSignal) {
  const call: { admission?: Admission; dropped?: UpstreamError } = {};
  call.admission = await instance.admit(credential, signal, (reason) => {
    call.dropped = reason;
  });
  return call as { admission: Admission; dropped?: UpstreamError };
}

/** What admitting a call comes to; an admitted call is settled at once (it learnt nothing). */
async function kind(promise: Promise<{ admission: Admission }>): Promise<string> {
  try {
    (await promise).admission.settle('unknown');
    return 'admitted';
  } catch (error) {
    return error instanceof UpstreamError ? error.kind : String(error);
  }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

/** Foreman's failed logins as the ledger counts them against the gateway's address. */
async function failuresCounted(ledger: MemoryLoginLedger): Promise<number> {
  // One reservation over an infinite limit always succeeds: count it, then give it back.
  // A reservation under limit L succeeds only while fewer than L are counted.
  const key = 'foreman:gateway';
  for (let limit = 1; ; limit++) {
    const { refusedBy } = await ledger.reserveFailure([{ key, limit }], 300_000);
    if (refusedBy) continue;
    await ledger.releaseFailure([key]);
    return limit - 1;
  }
}

describe('LoginGuard', () => {
  it('lets one call try an unknown credential; the others wait for its answer', async () => {
    const { instance } = guard();
    const first = await admit(instance, as('c'));
    let secondAdmitted = false;
    const second = admit(instance, as('c')).then((call) => {
      secondAdmitted = true;
      return call;
    });
    await tick();
    expect(secondAdmitted).toBe(false);
    first.admission.settle('accepted');
    (await second).admission.settle('accepted');
    expect(secondAdmitted).toBe(true);
  });

  it('refuses a refused credential locally until its time is up, then tries again', async () => {
    const { instance, advance } = guard();
    (await admit(instance, as('c'))).admission.settle('refused');
    expect(await kind(admit(instance, as('c')))).toBe('credentials_refused');
    advance(60_001);
    expect(await kind(admit(instance, as('c')))).toBe('admitted');
  });

  it('spends a client’s budget, then Foreman’s, on credentials not seen working', async () => {
    const { instance } = guard();
    for (const credential of ['a', 'b', 'c']) {
      (await admit(instance, as(credential, 'mallory'))).admission.settle('refused');
    }
    expect(await kind(admit(instance, as('d', 'mallory')))).toBe('login_budget');
    (await admit(instance, as('e', 'alice'))).admission.settle('refused');
    (await admit(instance, as('f', 'bob'))).admission.settle('refused');
    expect(await kind(admit(instance, as('g', 'carol')))).toBe('login_budget');
  });

  it('a credential that worked keeps working while the budgets are spent', async () => {
    const { instance, advance } = guard({ foremanFailureBudget: 1 });
    (await admit(instance, as('good', 'alice'))).admission.settle('accepted');
    (await admit(instance, as('bad', 'mallory'))).admission.settle('refused');
    expect(await kind(admit(instance, as('other', 'carol')))).toBe('login_budget');
    expect(await kind(admit(instance, as('good', 'alice')))).toBe('admitted');
    // Idle for a while, it is probed again: still without a budget, as it worked lately.
    advance(60_000);
    expect(await kind(admit(instance, as('good', 'alice')))).toBe('admitted');
  });

  it('an answer that was not a refusal gives the reservation back', async () => {
    const { instance } = guard({ clientFailureLimit: 1 });
    (await admit(instance, as('a'))).admission.settle('unknown');
    (await admit(instance, as('b'))).admission.settle('accepted');
    expect(await kind(admit(instance, as('c')))).toBe('admitted');
  });

  it('after Foreman’s own lockout, sends nothing until its window has passed', async () => {
    const { instance, advance } = guard();
    (await admit(instance, as('good'))).admission.settle('accepted');
    const waiting = await admit(instance, as('good'));
    (await admit(instance, as('good'))).admission.settle('locked-out');
    // A call admitted but not yet sent is dropped too.
    expect(waiting.dropped?.kind).toBe('login_budget');
    waiting.admission.settle('unknown');
    expect(await kind(admit(instance, as('good')))).toBe('login_budget');
    advance(300_001);
    expect(await kind(admit(instance, as('good')))).toBe('admitted');
  });

  it('the first refusal of a credential that worked drops its waiting calls, and counts', async () => {
    const { instance, ledger } = guard();
    (await admit(instance, as('token'))).admission.settle('accepted');
    const sent = await admit(instance, as('token'));
    // Admitted, but still waiting for a slot when the refusal comes.
    const notYetSent = await admit(instance, as('token'));
    sent.admission.sending();
    sent.admission.settle('refused');
    expect(notYetSent.dropped?.kind).toBe('credentials_refused');
    // A request that comes after it is answered here.
    expect(await kind(admit(instance, as('token')))).toBe('credentials_refused');
    notYetSent.admission.settle('unknown');
    // The refusal is a failed login, though the credential had worked a moment before.
    expect(await failuresCounted(ledger)).toBe(1);
  });

  it('a call already sent is not dropped by a refusal: its answer is coming', async () => {
    const { instance } = guard();
    (await admit(instance, as('token'))).admission.settle('accepted');
    const first = await admit(instance, as('token'));
    const second = await admit(instance, as('token'));
    second.admission.sending();
    first.admission.settle('refused');
    expect(second.dropped).toBeUndefined();
    second.admission.settle('refused');
  });

  it('tries a credential unused for a while with one call before the others follow', async () => {
    const { instance, advance } = guard({ idleProbeMs: 30_000 });
    (await admit(instance, as('c'))).admission.settle('accepted');
    advance(30_001);
    const probe = await admit(instance, as('c'));
    let followers = 0;
    const rest = Array.from({ length: 3 }, () =>
      admit(instance, as('c')).then((call) => {
        followers += 1;
        return call;
      }),
    );
    await tick();
    expect(followers).toBe(0);
    probe.admission.settle('accepted');
    await Promise.all(rest);
    expect(followers).toBe(3);
  });

  it('a wait cut short by the call’s signal gives up without being admitted', async () => {
    const { instance } = guard();
    await admit(instance, as('c'));
    const gone = new AbortController();
    const waiting = kind(admit(instance, as('c'), gone.signal));
    gone.abort(new Error('the request ended'));
    expect(await waiting).toBe('Error: the request ended');
  });

  it('keeps nothing for a call once it is sent or settled, however many wait at once', async () => {
    const { instance } = guard();
    const shared = { ...as('service-account'), shared: true };
    (await admit(instance, shared)).admission.settle('accepted');
    // A burst: hundreds admitted at once, waiting for Foreman's slots.
    const calls = await Promise.all(Array.from({ length: 300 }, () => admit(instance, shared)));
    expect(instance.unsent).toBe(300);
    for (const call of calls.slice(0, 200)) call.admission.sending();
    expect(instance.unsent).toBe(100);
    for (const call of calls) call.admission.settle('accepted');
    expect(instance.unsent).toBe(0);
    // Whoever waited before is not told of a later refusal.
    const last = await admit(instance, shared);
    last.admission.settle('refused');
    expect(calls.filter((call) => call.dropped !== undefined)).toHaveLength(0);
    expect(instance.unsent).toBe(0);
  });
});
