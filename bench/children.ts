import type { ChildProcess } from 'node:child_process';

/**
 * Everything the bench starts outside its own process (children, temporary files and checkouts)
 * is undone here if the bench ends early: an error, Ctrl-C or a kill. Normal runs undo their own
 * work as they go; these hooks are the safety net.
 */

/** Children still running; killed by pid if the bench exits early. */
const running = new Set<ChildProcess>();
/** Synchronous clean-ups (an 'exit' handler cannot wait), run after the children are killed. */
const cleanups = new Set<() => void>();

const undoAll = () => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch {
      // Best effort: the next clean-up must still run.
    }
  }
  cleanups.clear();
};
process.once('exit', undoAll);
// A signal's default action ends the process without 'exit' handlers: undo everything first.
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.once(signal, () => {
    undoAll();
    process.exit(code);
  });
}

/** Kills `child` by its pid if the bench exits while it still runs. */
export function track(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
}

/** Runs `cleanup` if the bench exits before the returned function is called (which also runs it). */
export function onEarlyExit(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
    cleanup();
  };
}
