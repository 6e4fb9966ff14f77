import { describe, expect, it } from 'vitest';
import { nodeVersionProblem, warnIfNodeTooOld, type ProcessLike } from './node-version.js';

describe('Node version check (Note [Node 20.16 and process.getBuiltinModule])', () => {
  it('this Node has process.getBuiltinModule: no problem', () => {
    expect(nodeVersionProblem(process as unknown as ProcessLike)).toBeNull();
  });

  it('a browser or a runtime without process.versions.node: no problem', () => {
    expect(nodeVersionProblem(undefined)).toBeNull();
    expect(nodeVersionProblem({ versions: {} })).toBeNull();
  });

  it('Node 18 is named, with what fails and how to fix it', () => {
    const msg = nodeVersionProblem({ versions: { node: '18.19.0' } });
    expect(msg).toContain('Node 18.19.0');
    expect(msg).toContain('>= 20.16');
    expect(msg).toContain('single-threaded');
    expect(msg).toContain('process.getBuiltinModule');
  });

  it('a recent Node never warns', () => {
    const seen: string[] = [];
    const fresh: ProcessLike = { versions: { node: '22.12.0' }, getBuiltinModule: () => ({}), emitWarning: (m) => seen.push(m) };
    expect(warnIfNodeTooOld(fresh)).toBe(false);
    expect(seen).toEqual([]);
  });
  it('warns once per process, as a DLWarning with a code', () => {
    const seen: [string, { type: string; code: string }][] = [];
    const old: ProcessLike = { versions: { node: '20.10.0' }, emitWarning: (m, o) => seen.push([m, o]) };
    expect(warnIfNodeTooOld(old)).toBe(true);
    expect(warnIfNodeTooOld(old)).toBe(false);
    expect(seen).toHaveLength(1);
    expect(seen[0]![0]).toContain('Node 20.10.0');
    expect(seen[0]![1]).toEqual({ type: 'DLWarning', code: 'DL_NODE_VERSION' });
  });
});
