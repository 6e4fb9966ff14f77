/**
 * Test helpers for the e2e test: a static server for `dist/` on 127.0.0.1 (with or without the
 * COOP/COEP headers, always under a strict script CSP) and the Chromium lookup.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';

/** The policy of issue 16 (no eval / new Function; scripts from the page's origin; wasm allowed): the page must run under it. */
export const CSP = "script-src 'self' 'wasm-unsafe-eval'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.bin': 'application/octet-stream',
  '.map': 'application/json',
};

/**
 * Serve `dir`; `isolate` adds the headers that make the page `crossOriginIsolated`.
 *
 * @example
 * const srv = await serveDir('dist', true); await page.goto(srv.url); await srv.close();
 */
export function serveDir(dir: string, isolate: boolean): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const headers: Record<string, string> = { 'cache-control': 'no-store', 'content-security-policy': CSP };
    if (isolate) {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
      headers['cross-origin-resource-policy'] = 'same-origin';
    }
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const rel = normalize(path === '/' ? '/index.html' : path).replace(/^(\.\.[/\\])+/, '');
    readFile(join(dir, rel))
      .then((buf) => res.writeHead(200, { ...headers, 'content-type': TYPES[extname(rel)] ?? 'application/octet-stream' }).end(buf))
      .catch(() => res.writeHead(404, headers).end('not found'));
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

/** `$CHROMIUM_BIN`, else Debian's /usr/bin/chromium, else the first Chromium/Chrome on the PATH; null when there is none. */
export function findChromium(): string | null {
  if (process.env.CHROMIUM_BIN) return process.env.CHROMIUM_BIN;
  if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  for (const name of ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome']) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return null;
}
