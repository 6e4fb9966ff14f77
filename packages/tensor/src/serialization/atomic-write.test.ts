/**
 * Note [Atomic save]'s promise, tested with a real process killed mid-write: the old file is intact
 * and no temp file is left (caught signals remove it at once; after SIGKILL the next save to the
 * same path sweeps it). The child runs atomic-write.ts alone, transpiled by TypeScript (the module
 * has no imports for this reason).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { atomicWriteFile } from './atomic-write.js';

let dir = '';
let child = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dl-atomic-'));
  const src = readFileSync(new URL('./atomic-write.ts', import.meta.url), 'utf8');
  const js = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  writeFileSync(join(dir, 'atomic-write.mjs'), js);
  child = join(dir, 'child.mjs');
  writeFileSync(
    child,
    `import { atomicWriteFile } from './atomic-write.mjs';
const [file, size] = process.argv.slice(2);
await atomicWriteFile(file, new Uint8Array(Number(size)).fill(0x42), { chunkBytes: 4096, onProgress: async (w, total, tmp) => {
  if (w === 4096) { process.stdout.write('MID ' + tmp + '\\n'); await new Promise((r) => setTimeout(r, 30000)); }
} });
process.stdout.write('DONE\\n');
`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Start the child writing `size` bytes to `file`; resolves once it is paused mid-write. */
function startWriter(
  file: string,
  size: number,
): Promise<{ p: ChildProcess; tmp: string; exit: Promise<{ code: number | null; signal: string | null }> }> {
  const p = spawn(process.execPath, [child, file, String(size)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exit = new Promise<{ code: number | null; signal: string | null }>((res) => p.on('exit', (code, signal) => res({ code, signal })));
  return new Promise((resolve, reject) => {
    let out = '';
    p.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /MID (.*)\n/.exec(out);
      if (m) resolve({ p, tmp: m[1]!, exit });
    });
    void exit.then(({ code, signal }) => reject(new Error(`writer exited early (${code}, ${signal}): ${out}`)));
  });
}

const OLD = 'the old checkpoint';

describe('atomic save under a kill', () => {
  for (const sig of ['SIGTERM', 'SIGINT'] as const) {
    it(`${sig} mid-write: the old file is intact, the temp file is gone, the process dies of the signal`, async () => {
      const file = join(dir, `ckpt-${sig}.pt`);
      writeFileSync(file, OLD);
      const { p, tmp, exit } = await startWriter(file, 1 << 20);
      expect(readdirSync(dir)).toContain(tmp.split('/').pop());
      p.kill(sig);
      expect((await exit).signal).toBe(sig);
      expect(readFileSync(file, 'utf8')).toBe(OLD);
      expect(readdirSync(dir).filter((n) => n.includes(`ckpt-${sig}`))).toEqual([`ckpt-${sig}.pt`]);
    });
  }

  it('SIGKILL mid-write: the old file is intact; the next save to the path removes the orphaned temp file', async () => {
    const file = join(dir, 'ckpt-kill.pt');
    writeFileSync(file, OLD);
    const { p, exit } = await startWriter(file, 1 << 20);
    p.kill('SIGKILL');
    expect((await exit).signal).toBe('SIGKILL');
    expect(readFileSync(file, 'utf8')).toBe(OLD);
    expect(readdirSync(dir).filter((n) => n.includes('ckpt-kill')).length).toBe(2); // SIGKILL cannot be caught
    await atomicWriteFile(file, new TextEncoder().encode('new'));
    expect(readFileSync(file, 'utf8')).toBe('new');
    expect(readdirSync(dir).filter((n) => n.includes('ckpt-kill'))).toEqual(['ckpt-kill.pt']);
  });

  it('an uninterrupted write replaces the file and keeps its mode', async () => {
    const file = join(dir, 'plain.bin');
    writeFileSync(file, OLD, { mode: 0o600 });
    await atomicWriteFile(file, new Uint8Array(10_000).fill(7), { chunkBytes: 999 });
    expect(readFileSync(file)).toEqual(Buffer.alloc(10_000, 7));
    const { statSync } = await import('node:fs');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).filter((n) => n.includes('plain'))).toEqual(['plain.bin']);
  });
});
