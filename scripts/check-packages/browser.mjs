// The browser half of check-packages: serve a directory on 127.0.0.1 under a strict
// Content-Security-Policy and run its page in headless Chromium through playwright-core.
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';

/** The policy of issue 16: no `eval`/`new Function`, scripts only from the page's origin, wasm allowed. */
export const CSP = "script-src 'self' 'wasm-unsafe-eval'";

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
  '.css': 'text/css; charset=utf-8',
  '.bin': 'application/octet-stream',
};

/** The headers that make a page `crossOriginIsolated` (SharedArrayBuffer, so the GEMM's worker threads). */
export const ISOLATION = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
};

/**
 * Serve `dir` with `Content-Security-Policy: <csp>` (and `extra` headers) on every response.
 * @example const srv = await serve('/tmp/www', CSP, ISOLATION); srv.url; await srv.close();
 */
export function serve(dir, csp, extra = {}) {
  const server = createServer((req, res) => {
    const headers = { 'cache-control': 'no-store', 'content-security-policy': csp, ...extra };
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const rel = normalize(path === '/' ? '/index.html' : path).replace(/^(\.\.[/\\])+/, '');
    readFile(join(dir, rel))
      .then((buf) => res.writeHead(200, { ...headers, 'content-type': TYPES[extname(rel)] ?? 'application/octet-stream' }).end(buf))
      .catch(() => res.writeHead(404, headers).end('not found'));
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({ url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

/** `$CHROMIUM_BIN`, else the first Chromium/Chrome on the PATH; null when there is none. */
export function findChromium() {
  if (process.env.CHROMIUM_BIN) return process.env.CHROMIUM_BIN;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome']) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return null;
}

/**
 * Open `url` in headless Chromium and wait until the page sets `window.__dlResult`. Resolves
 * with that value plus what the page logged: console lines, uncaught errors and CSP violations.
 * @example const { result, console: lines } = await runPage('/usr/bin/chromium', srv.url);
 */
export async function runPage(executablePath, url, { timeoutMs = 180_000 } = {}) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    // root in a container has no sandbox; no GPU: the check is about the cpu backend
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
    timeout: 60_000,
  });
  const logs = [];
  const violations = [];
  try {
    const page = await browser.newPage();
    page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`pageerror: ${e.name}: ${e.message}`));
    await page.exposeFunction('__dlViolation', (v) => violations.push(v));
    await page.addInitScript(() => {
      addEventListener('securitypolicyviolation', (e) =>
        globalThis.__dlViolation(`${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`),
      );
    });
    const response = await page.goto(url, { waitUntil: 'load' });
    const csp = response?.headers()['content-security-policy'] ?? null;
    let result = null;
    let timedOut = false;
    // poll with evaluate (a DevTools call, outside the page's CSP), not waitForFunction
    const deadline = Date.now() + timeoutMs;
    while ((result = await page.evaluate(() => globalThis.__dlResult ?? null)) === null) {
      if (Date.now() > deadline) {
        timedOut = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    return { result, timedOut, csp, console: logs, violations, version: browser.version() };
  } finally {
    await browser.close();
  }
}
