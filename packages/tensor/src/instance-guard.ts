import { StateError } from './errors.js';
import { version } from './version.js';

/*
 * Note [One copy of @dl/tensor]
 * ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
 * The device registry, the autograd hook, the default generator and the memory scopes are
 * module state: each copy of @dl/tensor has its own. When a package manager nests a second copy
 * (a version drift between @dl/nn's range and the user's @dl/tensor, say), `import
 * '@dl/backend-cpu'` registers cpu in one copy while the user's tensors look it up in the other,
 * and training fails far from the cause ("device 'cpu' is not available"). So every entry of
 * @dl/tensor claims a slot on `globalThis` under `Symbol.for('@dl/tensor.instance')` (registered
 * symbols are shared by every copy in a realm) holding this copy's version and module URL, and a
 * second claim from another copy throws a StateError naming both.
 *
 * The same copy evaluated again is not a second copy: vitest re-evaluates modules per test file
 * in one worker, Vite's HMR re-imports a module with `?t=…`, tsx and watch modes reload. So the
 * URL is compared without its query and hash, and a claim with the same URL and version replaces
 * the slot silently. Two copies inlined into one bundle share the bundle's URL: they are caught
 * when their versions differ, not when a bundler duplicated one version (bundlers dedupe the
 * same version by path in practice). Workers have their own `globalThis` and their own copy by
 * design.
 */

/** What a copy of @dl/tensor leaves on `globalThis` (see Note [One copy of @dl/tensor]). */
export interface InstanceRecord {
  readonly version: string;
  readonly url: string;
}

const SLOT = Symbol.for('@dl/tensor.instance');

/** `file:///…/instance-guard.js?t=17#x` → `file:///…/instance-guard.js`. */
function normalizeUrl(url: string): string {
  const cut = url.search(/[?#]/);
  return cut === -1 ? url : url.slice(0, cut);
}

/**
 * @internal Claim the process-wide slot for this copy of @dl/tensor, or throw a StateError when
 * another copy holds it (Note [One copy of @dl/tensor]). Called once by each package entry;
 * `self` and `scope` are parameters so tests can play a second copy.
 *
 * @example
 * claimInstance(); // in @dl/tensor's index.ts
 */
export function claimInstance(self: InstanceRecord = { version, url: import.meta.url }, scope: object = globalThis): void {
  const slots = scope as Record<symbol, InstanceRecord | undefined>;
  const mine: InstanceRecord = { version: self.version, url: normalizeUrl(self.url) };
  const held = slots[SLOT];
  if (held !== undefined && (held.url !== mine.url || held.version !== mine.version)) {
    const where = held.url === mine.url ? ` (both in ${mine.url}: one bundle holds two copies)` : '';
    throw new StateError(
      `two copies of @dl/tensor are loaded in one process${where}:\n` +
        `  first:  ${held.version} at ${held.url}\n` +
        `  second: ${mine.version} at ${mine.url}\n` +
        'each copy has its own device registry, autograd hook and generator, so backends, layers ' +
        'and tensors from different copies do not see each other',
      {
        op: '@dl/tensor import',
        hint:
          'every @dl package must share one @dl/tensor: run `npm ls @dl/tensor` to see which ' +
          'package pulled the second copy, align the @dl/* versions (they are released together) ' +
          'and run `npm dedupe` (pnpm: `pnpm dedupe`; yarn: `yarn dedupe`)',
      },
    );
  }
  Object.defineProperty(scope, SLOT, { value: Object.freeze(mine), configurable: true, writable: true });
}
