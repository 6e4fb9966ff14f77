import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { removeStaleParts, writeAtomic } from './atomic-write.js';

const CHILD = fileURLToPath(new URL('./__fixtures__/atomic-write-child.ts', import.meta.url));
const APP = fileURLToPath(new URL('..', import.meta.url));

/** Start a child writing 64 MiB to `file`, kill it with `signal` once the temp file has 1 MiB. */
function killMidWrite(file: string, signal: NodeJS.Signals): Promise<{ signal: NodeJS.Signals | null; temp: string; tempBytes: number }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, file, '64'], { cwd: APP, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let temp = '';
    let tempBytes = -1;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rej(new Error(`the child never reached mid-write: ${out} ${err}`));
    }, 30_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^mid (.*)$/m.exec(out);
      if (m && !temp) {
        temp = m[1]!;
        tempBytes = readFileSync(temp).length;
        child.kill(signal);
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (_code, sig) => {
      clearTimeout(timer);
      res({ signal: sig, temp, tempBytes });
    });
  });
}

describe('writeAtomic', () => {
  it('writes, replaces and leaves no temp file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dl-demo-atomic-'));
    const file = join(dir, 'sub', 'w.json');
    await writeAtomic(file, '{"a":1}');
    await writeAtomic(file, new TextEncoder().encode('{"a":2}'));
    expect(readFileSync(file, 'utf8')).toBe('{"a":2}');
    expect(readdirSync(join(dir, 'sub'))).toEqual(['w.json']);
    // a failed write (the target is a non-empty folder) removes its temp file
    writeFileSync(join(dir, 'sub', 'x'), '');
    await expect(writeAtomic(join(dir, 'sub'), 'nope')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['sub']);
  });

  it('a kill during the write leaves the old file intact and no temp file (SIGKILL: removed at the next write)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dl-demo-kill-'));
    const file = join(dir, 'weights.safetensors');
    writeFileSync(file, 'old weights');
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      const { signal, temp, tempBytes } = await killMidWrite(file, sig);
      expect(tempBytes).toBe(2 ** 20); // killed really mid-write: 1 of 64 MiB on disk
      expect(signal).toBe(sig); // the process still dies of the signal
      expect(temp.endsWith('.part')).toBe(true);
      expect(readFileSync(file, 'utf8')).toBe('old weights');
      expect(readdirSync(dir)).toEqual(['weights.safetensors']);
    }
    const { signal, temp, tempBytes } = await killMidWrite(file, 'SIGKILL');
    expect([signal, tempBytes]).toEqual(['SIGKILL', 2 ** 20]);
    expect(readFileSync(file, 'utf8')).toBe('old weights');
    expect(readdirSync(dir).sort()).toEqual([temp.slice(dir.length + 1), 'weights.safetensors'].sort()); // nothing can run on SIGKILL
    expect(await removeStaleParts(dir, 'other-file')).toEqual([]); // only temp files of the named target
    await writeAtomic(file, 'new weights'); // its writer is gone: the orphan is removed first
    expect(readFileSync(file, 'utf8')).toBe('new weights');
    expect(readdirSync(dir)).toEqual(['weights.safetensors']);
  });
});
