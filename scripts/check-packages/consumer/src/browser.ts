/**
 * The page script: runs {@link run} and leaves the report (or the error) in
 * `window.__dlResult`, where the headless browser reads it.
 */
import { run, type RunReport } from './mlp.js';

type PageResult = { ok: true; report: RunReport } | { ok: false; error: string };

const done = (r: PageResult): void => {
  (globalThis as { __dlResult?: PageResult }).__dlResult = r;
  const out = document.getElementById('result');
  if (out) out.textContent = JSON.stringify(r, null, 2);
};

run().then(
  (report) => done({ ok: true, report }),
  (e: unknown) => done({ ok: false, error: e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e) }),
);
