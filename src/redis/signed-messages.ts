import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * How long a message is good for: one stamped further from the receiver's clock than this, either
 * way, is refused. Replicas' clocks must agree within it; announcements take milliseconds.
 */
export const FRESH_FOR_MS = 60_000;
/** A notice is a few hundred bytes: anything far larger is not one, and is not even read. */
export const MAX_MESSAGE_LENGTH = 4_096;

/** Why a message was refused before its content was read. */
export type Refusal = 'too-large' | 'malformed' | 'forged' | 'stale' | 'replayed';

export interface OpenedMessage {
  id: string;
  /** When it was sealed (ms since the epoch, the sender's clock). */
  sentAt: number;
  body: string;
}

const VERSION = 'v1';
/** `v1.<id>.<sent at, ms>.<mac>.<body>`: the parts before the body hold no dots. */
const SEALED = /^v1\.([A-Za-z0-9_-]{22})\.(\d{1,15})\.([A-Za-z0-9_-]{43})\./;

/**
 * Messages between replicas, authenticated with a key derived from their shared secret: each
 * carries a random id and the time it was sealed under an HMAC-SHA256 of all of it, so that one
 * made without the secret is refused (`forged`), one older (or newer) than FRESH_FOR_MS is refused
 * (`stale`), and one seen before within that time is refused (`replayed`). Nothing is parsed
 * before the MAC is checked. `verifyingKeys` may hold a previous key during a rotation: it is
 * accepted, never used to seal.
 */
export class SignedMessages {
  readonly #signingKey: Buffer;
  readonly #verifyingKeys: readonly Buffer[];
  readonly #now: () => number;
  /** Ids of messages accepted, until they would be stale anyway. */
  readonly #seen = new Map<string, number>();

  constructor(options: {
    signingKey: Buffer;
    verifyingKeys?: readonly Buffer[];
    now?: () => number;
  }) {
    this.#signingKey = options.signingKey;
    this.#verifyingKeys = [options.signingKey, ...(options.verifyingKeys ?? [])];
    this.#now = options.now ?? Date.now;
  }

  /** `body` sealed for the other replicas. */
  seal(body: string): string {
    const id = randomBytes(16).toString('base64url');
    const signed = `${VERSION}.${id}.${this.#now()}`;
    return `${signed}.${mac(this.#signingKey, signed, body)}.${body}`;
  }

  /** The message's body when it is authentic, fresh and new; else why not. */
  open(message: string): OpenedMessage | { refused: Refusal } {
    if (message.length > MAX_MESSAGE_LENGTH) return { refused: 'too-large' };
    const match = SEALED.exec(message);
    if (!match) return { refused: 'malformed' };
    const [head, id = '', sentAtText = '', given = ''] = match;
    const body = message.slice(head.length);
    const signed = `${VERSION}.${id}.${sentAtText}`;
    const givenMac = Buffer.from(given, 'base64url');
    const authentic = this.#verifyingKeys.some((key) =>
      timingSafeEqual(Buffer.from(mac(key, signed, body), 'base64url'), givenMac),
    );
    if (!authentic) return { refused: 'forged' };
    const sentAt = Number(sentAtText);
    if (Math.abs(this.#now() - sentAt) > FRESH_FOR_MS) return { refused: 'stale' };
    if (this.#seen.has(id)) return { refused: 'replayed' };
    return { id, sentAt, body };
  }

  /**
   * Remembers an opened message as used, so that it is refused if it comes again. Kept only
   * until it would be stale: the set holds at most the messages accepted within two windows.
   */
  remember(message: OpenedMessage): void {
    const now = this.#now();
    for (const [id, until] of this.#seen) {
      if (until > now) break;
      this.#seen.delete(id);
    }
    this.#seen.set(message.id, message.sentAt + FRESH_FOR_MS);
  }
}

function mac(key: Buffer, signed: string, body: string): string {
  return createHmac('sha256', key).update(`${signed}.${body}`).digest('base64url');
}
