import type { Logger } from '../logger.js';
import type { DropReason } from './change-bus.js';

/** At most one log line per reason this often: whoever floods the channel cannot flood the log. */
const LOG_EVERY_MS = 60_000;

const MEANING: Record<DropReason, string> = {
  'too-large': 'too large to be a notice',
  malformed: 'not a sealed message',
  forged: 'not sealed with SHARED_SECRET (nor SHARED_SECRET_PREVIOUS)',
  stale: `stamped more than 60 s from this replica's clock`,
  replayed: 'a message already received',
  invalid: 'sealed, but not a valid notice',
  duplicate: 'a change passed on less than a second ago',
  'rate-limited': 'more announcements than SHARED_NOTICES_PER_SECOND',
};

/**
 * What to do with a dropped message: count it (`count`, the metric), and say so at warn with the
 * reason only (its content is whatever someone published). The first drop of each reason is
 * logged at once, then one line a minute with how many were dropped since.
 */
export function reportDrops(options: {
  count(reason: DropReason): void;
  logger: Logger;
  now?: () => number;
}): (reason: DropReason, problem?: string) => void {
  const now = options.now ?? Date.now;
  const lastLogged = new Map<DropReason, number>();
  const unlogged = new Map<DropReason, number>();
  return (reason, problem) => {
    options.count(reason);
    const dropped = (unlogged.get(reason) ?? 0) + 1;
    const last = lastLogged.get(reason);
    if (last !== undefined && now() - last < LOG_EVERY_MS) {
      unlogged.set(reason, dropped);
      return;
    }
    lastLogged.set(reason, now());
    unlogged.delete(reason);
    options.logger.warn(
      { reason, ...(problem ? { problem } : {}), dropped },
      `Redis: dropped a message on the change channel: ${MEANING[reason]}`,
    );
  };
}
