/**
 * Test helpers for the e2e test: a static server for `dist/` on 127.0.0.1 (with or without the
 * COOP/COEP headers, always under a strict script CSP) and the Chromium lookup.
 */
import { CSP, ISOLATION, serve } from '../../../scripts/check-packages/browser.mjs';

export { CSP, findChromium } from '../../../scripts/check-packages/browser.mjs';

/**
 * Serve `dir` under the strict script CSP; `isolate` adds the headers that make the page
 * `crossOriginIsolated` (check-packages' server and headers).
 *
 * @example
 * const srv = await serveDir('dist', true); await page.goto(srv.url); await srv.close();
 */
export function serveDir(dir: string, isolate: boolean): Promise<{ url: string; close: () => Promise<void> }> {
  return serve(dir, CSP, isolate ? ISOLATION : {});
}
