// Types of browser.mjs for the TypeScript tests that share its server and Chromium lookup
// (apps/playground's e2e test, docs/test/site.test.ts).

/** The strict script policy every page must run under. */
export declare const CSP: string;
/** The headers that make a page `crossOriginIsolated`. */
export declare const ISOLATION: Readonly<Record<string, string>>;
/** Serve `dir` on 127.0.0.1 with `Content-Security-Policy: <csp>` and `extra` headers on every response. */
export declare function serve(
  dir: string,
  csp: string,
  extra?: Readonly<Record<string, string>>,
): Promise<{ url: string; close: () => Promise<void> }>;
/** `$CHROMIUM_BIN`, else the first Chromium/Chrome on the PATH; null when there is none. */
export declare function findChromium(): string | null;
