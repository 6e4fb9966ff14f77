/**
 * End-to-end browser check (not part of `pnpm test`: CI has no Chromium).
 *
 * Builds the page (failing on any Node built-in), serves `dist/` on 127.0.0.1 with or
 * without the COOP/COEP headers that make the page `crossOriginIsolated`, opens it in
 * headless Chromium and waits for the page to POST its result to `/result`. Exits
 * non-zero unless the MLP's loss went down on every run.
 *
 *   pnpm --filter @dl/browser-check run e2e                 # isolated and plain pages
 *   pnpm --filter @dl/browser-check run e2e -- --mode=coi   # isolated only (also: plain)
 *   pnpm --filter @dl/browser-check run e2e -- --webgpu     # also try WebGPU on SwiftShader
 *
 * The browser is `$CHROMIUM_BIN`, else the first of chromium, chromium-browser,
 * google-chrome(-stable) on the PATH (`apt-get install -y chromium` on Debian).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { appDir, assertBrowserClean, buildPage } from './build.js';
import type { PageResult } from './main.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const a = args.find((x) => x === `--${name}` || x.startsWith(`--${name}=`));
  return a === undefined ? undefined : (a.split('=')[1] ?? '');
};
const modes = ((flag('mode') ?? 'both') === 'both' ? ['coi', 'plain'] : [flag('mode')!]) as ('coi' | 'plain')[];
const tryWebgpu = flag('webgpu') !== undefined;
const timeoutMs = Number(flag('timeout') ?? 180) * 1000;

function findChromium(): string {
  const env = process.env.CHROMIUM_BIN;
  if (env) return env;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  throw new Error('no Chromium found: apt-get install -y chromium, or set CHROMIUM_BIN');
}

/** WebGPU on Chromium's bundled SwiftShader (software Vulkan), for machines without a GPU. */
const WEBGPU_FLAGS = (process.env.DL_WEBGPU_FLAGS ?? '--enable-unsafe-webgpu --enable-unsafe-swiftshader --use-webgpu-adapter=swiftshader')
  .split(' ')
  .filter(Boolean);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
};

/** The Content-Security-Policy every response carries: the cpu backend must work under it. */
const CSP = "script-src 'self' 'wasm-unsafe-eval'";

/** Serve `dist/` under {@link CSP}; `isolate` adds COOP/COEP (so SharedArrayBuffer and shared wasm memory exist). */
function serve(dir: string, isolate: boolean, onResult: (r: PageResult) => void): Promise<{ url: string; close: () => void }> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    // the strict policy of issue 16: no eval / new Function, workers only from same-origin files
    const headers: Record<string, string> = { 'cache-control': 'no-store', 'content-security-policy': CSP };
    if (isolate) {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
      headers['cross-origin-resource-policy'] = 'same-origin';
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'POST' && url.pathname === '/result') {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        res.writeHead(204, headers).end();
        try {
          onResult(JSON.parse(body) as PageResult);
        } catch (e) {
          console.error('bad result body', e, body.slice(0, 200));
        }
      });
      return;
    }
    const rel = normalize(url.pathname === '/' ? '/index.html' : url.pathname).replace(/^(\.\.[/\\])+/, '');
    readFile(join(dir, rel))
      .then((buf) => res.writeHead(200, { ...headers, 'content-type': TYPES[extname(rel)] ?? 'application/octet-stream' }).end(buf))
      .catch(() => res.writeHead(404, headers).end('not found'));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}/?report=1`, close: () => server.close() });
    });
  });
}

async function runOnce(bin: string, dist: string, mode: 'coi' | 'plain'): Promise<{ result: PageResult | null; log: string }> {
  let settle!: (r: PageResult | null) => void;
  const got = new Promise<PageResult | null>((r) => (settle = r));
  const srv = await serve(dist, mode === 'coi', (r) => settle(r));
  const profile = await mkdtemp(join(tmpdir(), 'dl-chromium-'));
  const flags = [
    '--headless=new',
    '--no-sandbox', // root in a container
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-extensions',
    '--disable-dev-shm-usage',
    '--disable-background-networking',
    '--enable-logging=stderr',
    '--v=0',
    `--user-data-dir=${profile}`,
    ...(tryWebgpu ? WEBGPU_FLAGS : ['--disable-gpu']),
    ...(process.env.CHROMIUM_FLAGS?.split(' ').filter(Boolean) ?? []),
    srv.url,
  ];
  const child = spawn(bin, flags, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (c: Buffer) => (log += c.toString()));
  child.stderr.on('data', (c: Buffer) => (log += c.toString()));
  child.on('exit', () => settle(null));
  const timer = setTimeout(() => settle(null), timeoutMs);
  const result = await got;
  clearTimeout(timer);
  child.kill('SIGTERM');
  await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
  srv.close();
  // the browser's helper processes may still be writing the profile for a moment
  await rm(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }).catch(() => {});
  return { result, log };
}

const t0 = performance.now();
const dist = join(appDir, 'dist');
const build = await buildPage({ outdir: dist });
assertBrowserClean(build);
console.log(`bundle: ${build.inputs.length} inputs, no Node built-ins (${(performance.now() - t0).toFixed(0)} ms)`);
const bin = findChromium();
console.log(`browser: ${spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim()} (${bin})`);

let failed = false;
for (const mode of modes) {
  const { result, log } = await runOnce(bin, dist, mode);
  const label = mode === 'coi' ? 'cross-origin isolated (COOP/COEP)' : 'not isolated (no COOP/COEP)';
  if (!result) {
    failed = true;
    console.error(`\n[${mode}] ${label}: no result from the page within ${timeoutMs / 1000} s. Chromium log:\n${log.slice(-4000)}`);
    continue;
  }
  const wasm = result.cpu?.wasm as Record<string, unknown> | undefined;
  console.log(`\n[${mode}] ${label}: ${result.ok ? 'OK' : 'FAILED'}`);
  console.log(
    `  crossOriginIsolated=${result.crossOriginIsolated} SharedArrayBuffer=${result.sharedArrayBuffer} hardwareConcurrency=${result.hardwareConcurrency}`,
  );
  console.log(`  cpu wasm gemm: ${JSON.stringify(wasm)}; workers warm: ${result.cpu?.workersWarm}`);
  console.log(`  256³ matmul vs JS loop: ${JSON.stringify(result.cpu?.gemm)}`);
  for (const run of result.runs ?? []) {
    console.log(
      `  ${run.device}: ${run.steps} Adam steps in ${run.ms} ms; loss every 10 steps: ${run.losses.map((l) => l.toFixed(4)).join(' → ')}`,
    );
    console.log(`    ms at those steps: ${run.msAt.join(' ')}`);
  }
  console.log(`  webgpu: ${result.webgpu}`);
  for (const e of result.errors ?? []) console.log(`  error: ${e}`);
  const consoleLines = log.split('\n').filter((l) => /CONSOLE|Uncaught/.test(l));
  if (consoleLines.length) console.log(`  page console:\n    ${consoleLines.slice(-10).join('\n    ')}`);
  if (!result.ok) failed = true;
}
process.exit(failed ? 1 : 0);
