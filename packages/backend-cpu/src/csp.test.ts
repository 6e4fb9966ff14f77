import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Issue 16: the cpu backend must run under `Content-Security-Policy: script-src 'self'
 * 'wasm-unsafe-eval'`, which forbids compiling code from strings (`eval`, `new Function`) and
 * starting workers from Blob or data URLs (Note [Generated inner loops], Note [Worker module]).
 */
const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Code that such a CSP blocks; function source reaches a worker only through one of these. */
const FORBIDDEN: readonly [RegExp, string][] = [
  [/\bnew\s+Function\s*\(/, 'new Function'],
  [/(?<![.\w$])(?<!new\s+)Function\s*\(\s*['"`]/, 'Function(string)'],
  [/(?<![.\w$])eval\s*\(/, 'eval('],
  [/\beval\s*:\s*true\b/, "worker_threads' eval: true"],
  [/createObjectURL\s*\(/, 'a Blob URL'],
  [/['"`]data:(text|application)\/javascript/, 'a data: URL of script'],
  [/\bset(Timeout|Interval)\s*\(\s*['"`]/, 'a timer with a string'],
];

/**
 * Node-only code that never runs in a browser: DataLoader workers are `worker_threads` started
 * with loader hooks (`module.register` takes a data: URL), a Node API without a CSP.
 */
const NODE_ONLY = new Map<string, string>([
  ['packages/data/src/entry-definitions.ts', 'DataLoader worker loader hooks (Node module.register)'],
  ['packages/data/src/worker-pool.ts', 'DataLoader worker_threads bootstrap (Node)'],
]);

function sources(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter(
      (f) =>
        /\.(ts|js|mjs)$/.test(f) &&
        !/\.test\.ts$|\.d\.ts$/.test(f) &&
        !f.split(/[\\/]/).some((p) => p === 'testing' || p === 'node_modules'),
    )
    .map((f) => join(dir, f));
}

/** Source text without comments (doc comments mention `eval()` and `new Function` freely). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** A method named `eval` (nn's `Module.eval()`) is not the global. */
const EVAL_METHOD = /^\s*(public\s+|override\s+)?eval\s*\(\s*\)\s*(:\s*\w+\s*)?\{/;

describe("CSP-safe packages (script-src 'self' 'wasm-unsafe-eval')", () => {
  it('no package source compiles code from strings or starts workers from function source', () => {
    const packages = readdirSync(join(root, 'packages'));
    expect(packages).toContain('backend-cpu');
    const found: string[] = [];
    for (const pkg of packages) {
      for (const file of sources(join(root, 'packages', pkg, 'src'))) {
        const rel = relative(root, file).split('\\').join('/');
        if (NODE_ONLY.has(rel)) continue;
        code(readFileSync(file, 'utf8'))
          .split('\n')
          .forEach((line, i) => {
            if (EVAL_METHOD.test(line)) return;
            for (const [re, what] of FORBIDDEN) if (re.test(line)) found.push(`${rel}:${i + 1}: ${what}: ${line.trim()}`);
          });
      }
    }
    expect(found, 'code a strict CSP forbids (precompute it at build time, or load a module file by URL)').toEqual([]);
  });

  it('the scan catches what it looks for', () => {
    const hits = (src: string) =>
      FORBIDDEN.filter(([re]) =>
        code(src)
          .split('\n')
          .some((l) => !EVAL_METHOD.test(l) && re.test(l)),
      ).map(([, w]) => w);
    expect(hits("const f = new Function('a', 'return a');")).toEqual(['new Function']);
    expect(hits("const g = Function('return this')();")).toEqual(['Function(string)']);
    expect(hits('const v = eval(src);')).toEqual(['eval(']);
    expect(hits('new Worker(code, { eval: true, workerData });')).toEqual(["worker_threads' eval: true"]);
    expect(hits('URL.createObjectURL(new Blob([src]))')).toEqual(['a Blob URL']);
    expect(hits('  eval(): this {\n// new Function(x)\n/* eval(y) */ m.eval();')).toEqual([]);
  });

  it('the GEMM worker is a module file beside the pool, started by a URL bundlers recognise', () => {
    const wasm = new URL('./wasm/', import.meta.url);
    const pool = readFileSync(new URL('pool.ts', wasm), 'utf8');
    // Vite, webpack 5 and Parcel emit the worker chunk for exactly this shape (Note [Worker module])
    expect(pool).toMatch(/new Worker\(new URL\('\.\/gemm-worker\.js', import\.meta\.url\), \{ type: 'module'/);
    expect(existsSync(new URL('gemm-worker.js', wasm))).toBe(true);
    const worker = readFileSync(new URL('gemm-worker.js', wasm), 'utf8');
    // it imports nothing but plain-JS siblings (Note [Plain-JS worker modules])
    for (const [, spec] of worker.matchAll(/from\s+'([^']+)'/g)) expect(existsSync(new URL(spec!, wasm)), spec).toBe(true);
  });

  it('trains on threads with code generation from strings disallowed', () => {
    // Node's --disallow-code-generation-from-strings makes eval and new Function throw EvalError,
    // as such a CSP does in a browser; WebAssembly still compiles ('wasm-unsafe-eval').
    const tsx = [join(root, 'node_modules/.bin/tsx'), join(root, 'apps/bench/node_modules/.bin/tsx')].find((p) => existsSync(p));
    if (!tsx) return; // tsx is a dev tool of the monorepo
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      exports: Record<string, Record<string, string>>;
    };
    const condition = Object.keys(pkg.exports['.']!).find((k) => k !== 'types' && k !== 'default' && k !== 'import');
    const script = `
      import * as dl from '@dl/tensor';
      import { gemmInfo, setNumThreads, warmupThreads } from '@dl/backend-cpu';
      let blocked = false;
      try { new Function('return 1'); } catch (e) { blocked = e instanceof EvalError; }
      setNumThreads(2);
      const ready = await warmupThreads();
      const a = dl.arange(0, 200 * 160).reshape(200, 160).remainder(7).sub(3).float();
      const b = dl.arange(0, 160 * 120).reshape(160, 120).remainder(5).sub(2).float();
      const c = a.matmul(b); // threaded wasm GEMM
      const want = (i, j) => { let s = 0; for (let k = 0; k < 160; k++) s += (((i * 160 + k) % 7) - 3) * (((k * 120 + j) % 5) - 2); return s; };
      const cd = c.dataSync();
      let gemmOk = true;
      for (let i = 0; i < 200; i += 7) for (let j = 0; j < 120; j += 5) gemmOk &&= cd[i * 120 + j] === want(i, j);
      const x = c.t().div(100); // strided
      const y = x.sigmoid().mul(2).sub(1).tanh().relu();
      const mask = x.gt(0).logicalAnd(x.lt(3));
      const z = dl.where(mask, y, x.neg()).int().mul(dl.full([120, 200], 3, { dtype: 'int32' })).bool().float().sum();
      const zs = z.itemSync();
      let ref = 0;
      for (let i = 0; i < 200; i++) for (let j = 0; j < 120; j++) {
        const v = Math.fround(cd[i * 120 + j] / 100);
        const w = v > 0 && v < 3 ? Math.max(0, Math.tanh(2 / (1 + Math.exp(-v)) - 1)) : -v;
        ref += Math.trunc(w) * 3 !== 0 ? 1 : 0;
      }
      console.log(JSON.stringify({ blocked, ready, workers: gemmInfo().workersReady, gemmOk, z: zs, ref }));
    `;
    const r = spawnSync(tsx, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, NODE_OPTIONS: `--disallow-code-generation-from-strings${condition ? ` --conditions=${condition}` : ''}` },
    });
    expect(r.stderr).not.toMatch(/EvalError/);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(out.blocked).toBe(true);
    expect(out.gemmOk).toBe(true);
    expect(out.z).toBe(out.ref);
    if (typeof SharedArrayBuffer !== 'undefined') expect([out.ready, out.workers]).toEqual([true, 1]);
  });
});
