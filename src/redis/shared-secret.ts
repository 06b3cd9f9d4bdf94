import { hkdfSync } from 'node:crypto';

/** What a key derived from SHARED_SECRET is for: each use has its own key. */
export type KeyPurpose = 'change-bus' | 'login-ledger';

/**
 * A 256-bit key for one purpose, derived from the replicas' SHARED_SECRET (HKDF-SHA256 with the
 * purpose as its label). Every replica with the same secret derives the same keys; neither the
 * secret nor a key derived from it is ever written to Redis, so reading Redis reveals neither.
 */
export function deriveKey(secret: string, purpose: KeyPurpose): Buffer {
  return Buffer.from(
    hkdfSync(
      'sha256',
      secret,
      'foreman-images-graphql',
      `foreman-images-graphql/${purpose}/v1`,
      32,
    ),
  );
}
