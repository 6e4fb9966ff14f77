import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import { claimInstance } from './instance-guard.js';

const SLOT = Symbol.for('@dl/tensor.instance');
const A = 'file:///app/node_modules/@dl/tensor/dist/instance-guard.js';
const B = 'file:///app/node_modules/@dl/nn/node_modules/@dl/tensor/dist/instance-guard.js';

describe('one copy of @dl/tensor (Note [One copy of @dl/tensor])', () => {
  it('importing @dl/tensor claims the globalThis slot with its version and URL', () => {
    const held = (globalThis as Record<symbol, { version: string; url: string } | undefined>)[SLOT];
    expect(held?.version).toBe(dl.version);
    expect(held?.url).toMatch(/instance-guard\.(ts|js)$/);
  });

  it('a second copy at another path throws a StateError naming both versions and paths', () => {
    const scope = {};
    claimInstance({ version: '0.1.0', url: A }, scope);
    let err: unknown;
    try {
      claimInstance({ version: '0.2.0', url: B }, scope);
    } catch (e) {
      err = e;
    }
    expect(dl.StateError.isInstance(err)).toBe(true);
    const e = err as dl.StateError;
    expect(e.op).toBe('@dl/tensor import');
    expect(e.message).toContain(`0.1.0 at ${A}`);
    expect(e.message).toContain(`0.2.0 at ${B}`);
    expect(e.hint).toContain('npm ls @dl/tensor');
    expect(e.hint).toContain('dedupe');
  });

  it('the same version at another path is still a second copy', () => {
    const scope = {};
    claimInstance({ version: '0.1.0', url: A }, scope);
    expect(() => claimInstance({ version: '0.1.0', url: B }, scope)).toThrow(/two copies of @dl\/tensor/);
  });

  it('two versions inlined into one bundle (one URL) are caught by their versions', () => {
    const scope = {};
    const bundle = 'https://example.com/assets/index-3f2a.js';
    claimInstance({ version: '0.1.0', url: bundle }, scope);
    expect(() => claimInstance({ version: '0.1.1', url: bundle }, scope)).toThrow(/one bundle holds two copies/);
  });

  it('the same copy evaluated again (vitest per-file isolation, HMR ?t=, watch reloads) passes', () => {
    const scope = {};
    claimInstance({ version: '0.1.0', url: A }, scope);
    expect(() => claimInstance({ version: '0.1.0', url: A }, scope)).not.toThrow();
    expect(() => claimInstance({ version: '0.1.0', url: `${A}?t=1712345678901` }, scope)).not.toThrow();
    expect(() => claimInstance({ version: '0.1.0', url: `${A}?v=2#x` }, scope)).not.toThrow();
    expect((scope as Record<symbol, unknown>)[SLOT]).toEqual({ version: '0.1.0', url: A });
  });

  it('re-running the real claim in this process is a no-op', () => {
    expect(() => claimInstance()).not.toThrow();
  });
});
