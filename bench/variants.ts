import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onEarlyExit } from './children.js';

/** One version of the gateway measured in a run. */
export interface GatewayVariant {
  /** Its name in the report: `gateway` for the working tree, `gateway <ref>` for a ref. */
  label: string;
  /** The ref as given (`--refs`), absent for the working tree. */
  ref?: string;
  /** The commit it names, and that commit's subject line. */
  commit?: string;
  subject?: string;
  /** The ref's package-lock.json is not the working tree's: it runs with today's packages. */
  lockfileDiffers?: boolean;
  /** The checkout the gateway process runs in. */
  cwd: string;
}

type Progress = (line: string) => void;

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-C', cwd, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

/**
 * The gateways to measure. Without refs: the working tree's own code, as it is. With refs: for
 * each one a temporary detached worktree outside the repository (`git worktree add --detach`),
 * with the bench's own node_modules linked in (installing per ref would take minutes and measure
 * a different dependency tree anyway), removed again by `remove()`, or by the exit hook if the
 * bench ends early. Only these temporary worktrees are ever added or removed.
 */
export function prepareVariants(
  refs: readonly string[],
  progress: Progress,
): { variants: GatewayVariant[]; remove(): void } {
  const here = process.cwd();
  if (refs.length === 0) {
    return { variants: [{ label: 'gateway', cwd: here }], remove: () => undefined };
  }
  const root = git(here, 'rev-parse', '--show-toplevel');
  const nodeModules = path.join(root, 'node_modules');
  if (!existsSync(nodeModules)) {
    throw new Error(`--refs needs ${nodeModules} (run npm ci first): it is linked into each ref`);
  }
  // Resolve every ref before creating anything: a typo fails fast and leaves nothing behind.
  const commits = refs.map((ref) => {
    try {
      return git(root, 'rev-parse', '--verify', '--end-of-options', `${ref}^{commit}`);
    } catch {
      throw new Error(`--refs: "${ref}" does not name a commit in ${root}`);
    }
  });

  const removers: Array<() => void> = [];
  const remove = () => {
    for (const undo of removers.splice(0).reverse()) undo();
  };
  const variants: GatewayVariant[] = [];
  try {
    refs.forEach((ref, index) => {
      const commit = commits[index] as string;
      const dir = mkdtempSync(path.join(os.tmpdir(), 'foreman-images-graphql-bench-ref-'));
      const link = path.join(dir, 'node_modules');
      const undo = () => {
        // The link first: removing the worktree must never reach into the real node_modules.
        try {
          unlinkSync(link);
        } catch {
          // Not linked yet, or already gone.
        }
        try {
          git(root, 'worktree', 'remove', '--force', dir);
        } catch {
          // Not added (or already removed): the directory below is all there is.
        }
        rmSync(dir, { recursive: true, force: true });
      };
      removers.push(onEarlyExit(undo));
      git(root, 'worktree', 'add', '--detach', dir, commit);
      symlinkSync(nodeModules, link, 'dir');
      let lockfileDiffers = false;
      try {
        git(root, 'diff', '--quiet', commit, '--', 'package-lock.json');
      } catch {
        lockfileDiffers = true;
      }
      const repeats = refs.slice(0, index).filter((r) => r === ref).length;
      variants.push({
        label: `gateway ${ref}${repeats > 0 ? ` #${repeats + 1}` : ''}`,
        ref,
        commit,
        subject: git(root, 'log', '-1', '--format=%s', commit),
        lockfileDiffers,
        cwd: dir,
      });
      progress(`variant ${ref}: ${commit.slice(0, 10)} in ${dir}`);
    });
  } catch (error) {
    remove();
    throw error;
  }
  return { variants, remove };
}
