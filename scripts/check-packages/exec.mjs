// Child processes for check-packages: run one, capture its output, and time it.
import { spawn } from 'node:child_process';

/**
 * Run `cmd args` and resolve with its exit code and combined output (never rejects on a non-zero
 * exit; a missing binary gives code 127). `env` replaces the environment (default: this
 * process's); `timeoutMs` kills it with SIGKILL.
 * @example const r = await exec('node', ['--version']); // { code: 0, out: 'v20…\n', ms: 31 }
 */
export function exec(cmd, args, { cwd, env, timeoutMs = 10 * 60_000, echo = false } = {}) {
  const t0 = performance.now();
  return new Promise((resolve) => {
    let out = '';
    let child;
    try {
      child = spawn(cmd, args, { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      resolve({ code: 127, out: String(e), ms: 0 });
      return;
    }
    const add = (c) => {
      out += c.toString();
      if (echo) process.stdout.write(c);
    };
    child.stdout.on('data', add);
    child.stderr.on('data', add);
    const timer = setTimeout(() => {
      out += `\n[check-packages] ${cmd} killed after ${timeoutMs / 1000} s\n`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: 127, out: `${out}${e.message}`, ms: performance.now() - t0 });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), out, ms: performance.now() - t0 });
    });
  });
}

/** The last `n` lines of `text`, indented, for failure details. */
export function tail(text, n = 40) {
  const lines = text.trimEnd().split('\n');
  return (lines.length > n ? ['…', ...lines.slice(-n)] : lines).map((l) => `    ${l}`).join('\n');
}

/** Run `fn` on every item with at most `limit` running at once; results in input order. */
export async function mapLimit(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
