import { EventEmitter } from 'node:events';
import type { ChangeNotice } from './notices.js';

/**
 * Where the gateway's own writes are announced, so that subscribers on every replica hear of
 * them at once. In process by default; over Redis pub/sub when replicas share one (see ../redis/change-bus.ts).
 * A publisher hears its own messages too: every replica handles announcements the same way.
 */
export interface ChangeBus {
  publish(notice: ChangeNotice): Promise<void>;
  /** Calls `handler` for every notice published from now on; returns the way to stop. */
  subscribe(handler: (notice: ChangeNotice) => void): () => void;
  close(): Promise<void>;
}

export class MemoryChangeBus implements ChangeBus {
  readonly #emitter = new EventEmitter();

  async publish(notice: ChangeNotice): Promise<void> {
    // Asynchronously, like a real bus: a write's answer never waits for its subscribers.
    setImmediate(() => this.#emitter.emit('notice', notice));
  }

  subscribe(handler: (notice: ChangeNotice) => void): () => void {
    this.#emitter.on('notice', handler);
    return () => this.#emitter.off('notice', handler);
  }

  async close(): Promise<void> {
    this.#emitter.removeAllListeners();
  }
}
