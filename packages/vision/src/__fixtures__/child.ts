/** Run a TypeScript fixture in a child Node process (sources resolved, as the tests do). */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Exit status, signal and output of `script args…` run with tsx in a fresh Node. */
export function runChild(script: string, args: readonly string[], timeoutMs = 30_000): { status: number | null; signal: string | null; stdout: string; stderr: string } {
  const file = fileURLToPath(new URL(script, import.meta.url));
  const r = spawnSync(process.execPath, ['--conditions=@dl/source', '--import', 'tsx', file, ...args], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 16 << 20,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** The JSON lines a child printed. */
export function childLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
