import { createHmac } from 'node:crypto';
import { ClientAddresses } from '../client-address.js';
import { isSignedOutCredential } from '../signed-out.js';
import { basicHeader, credentialMaterial, parseAuthorization } from './credentials.js';

/**
 * Who is asking, worked out once per request: the credential to send (in one canonical
 * spelling), the identity that stands for it in every limit and every piece of shared state, the
 * login it names, and the caller's address.
 */
export interface Caller {
  /** The `Authorization` header to send to Foreman; undefined to send none. */
  readonly authorization: string | undefined;
  /**
   * The credential's keyed hash: one for every spelling of one credential (`basic`, extra blanks,
   * missing padding), never the secret. Undefined without credentials.
   */
  readonly identity: string | undefined;
  /** The Foreman login the credential names (HTTP Basic), when it names one. */
  readonly login: string | null;
  /** Why the caller's header cannot be used (Foreman would count it as a failed login). */
  readonly problem: string | undefined;
  /** The caller's address, after the gateway's trusted proxies. */
  readonly address: string;
  /** Sent to Foreman as X-Forwarded-For, when Foreman is to count logins per client. */
  readonly forwardedFor: string | undefined;
  /**
   * The credential is the gateway's own, used for every such caller (a service account, or the
   * demo admin for callers without credentials).
   */
  readonly sharedCredential: boolean;
  /**
   * Whose share this caller draws from, for Foreman's request slots and the per-caller limits:
   * its credential, or its address where the credential is shared by everyone.
   */
  readonly share: string;
}

export interface Account {
  username: string;
  password: string;
}

export interface CallersOptions {
  /** The key credentials are hashed with (the same on replicas that share state). */
  identityKey: Buffer;
  /** Used for every caller, whatever they send (explicit opt-in). */
  serviceAccount?: Account | undefined;
  /** Used for callers who send no credentials (the demo's admin). */
  fallbackAccount?: Account | undefined;
  /** Proxies whose X-Forwarded-For is believed. */
  trustedProxies: readonly string[];
  /** Tell Foreman the caller's address (a Foreman that trusts the gateway counts logins per client). */
  forwardClientAddress: boolean;
}

/** What a request says about its caller. */
export interface CallerFacts {
  /** The caller's own Authorization header. */
  authorization: string | undefined;
  /** The socket's peer address. */
  peer: string | undefined;
  /** The X-Forwarded-For header (believed only from trusted proxies). */
  forwardedFor: string | undefined;
}

/** Works out callers from requests: the one place a credential is read, normalised and hashed. */
export class Callers {
  readonly #options: CallersOptions;
  readonly #addresses: ClientAddresses;
  readonly #own: OwnCredential | undefined;
  readonly #fallback: OwnCredential | undefined;

  constructor(options: CallersOptions) {
    this.#options = options;
    this.#addresses = new ClientAddresses(options.trustedProxies);
    this.#own = options.serviceAccount && this.#ownCredential(options.serviceAccount);
    this.#fallback = options.fallbackAccount && this.#ownCredential(options.fallbackAccount);
  }

  /** Whether a service account stands in for every caller. */
  get serviceAccount(): boolean {
    return this.#own !== undefined;
  }

  /** The service account's identity (for readiness), when there is one. */
  get serviceAccountIdentity(): string | undefined {
    return this.#own?.identity;
  }

  of(facts: CallerFacts): Caller {
    const address = this.#addresses.resolve(facts.peer, facts.forwardedFor);
    const forwardedFor = this.#options.forwardClientAddress ? address : undefined;
    const place = { address, forwardedFor };
    if (this.#own)
      return { ...this.#own, ...place, problem: undefined, share: `address:${address}` };
    const parsed = parseAuthorization(facts.authorization);
    // GraphiQL's sign-out leaves the browser sending a marker: no credentials at all, never sent.
    if (parsed === undefined || isSignedOutCredential(parsed)) {
      if (this.#fallback) {
        return { ...this.#fallback, ...place, problem: undefined, share: `address:${address}` };
      }
      return anonymous(place, undefined);
    }
    if (!parsed.ok) return anonymous(place, parsed.problem);
    const identity = this.identityOf(credentialMaterial(parsed.credential));
    return {
      authorization: parsed.header,
      identity,
      login: parsed.credential.kind === 'basic' ? parsed.credential.login : null,
      problem: undefined,
      ...place,
      sharedCredential: false,
      share: `identity:${identity}`,
    };
  }

  identityOf(material: string): string {
    return createHmac('sha256', this.#options.identityKey).update(material).digest('base64url');
  }

  #ownCredential(account: Account): OwnCredential {
    return {
      authorization: basicHeader(account.username, account.password),
      identity: this.identityOf(
        credentialMaterial({ kind: 'basic', login: account.username, secret: account.password }),
      ),
      login: account.username,
      sharedCredential: true,
    };
  }
}

type OwnCredential = Pick<Caller, 'authorization' | 'identity' | 'login' | 'sharedCredential'>;

function anonymous(
  place: Pick<Caller, 'address' | 'forwardedFor'>,
  problem: string | undefined,
): Caller {
  return {
    authorization: undefined,
    identity: undefined,
    login: null,
    problem,
    ...place,
    sharedCredential: false,
    share: `address:${place.address}`,
  };
}
