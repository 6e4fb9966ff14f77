// The check list of check-packages: each check passes, fails or is skipped (when a check it
// depends on failed), with a one-line result and, on failure, the details that explain it.

const mark = { pass: 'ok  ', fail: 'FAIL', skip: 'skip' };

/** Records checks as they run and prints the summary at the end. */
export class Report {
  results = [];

  /**
   * Run one check. `fn` returns a one-line note on success, or throws a `CheckFailure` (or any
   * error) to fail. Returns whether it passed; with `needs`, it is skipped unless they all passed.
   * @example const ok = await report.check('build', () => 'built 8 packages');
   */
  async check(name, fn, { needs = [] } = {}) {
    const missing = needs.filter((n) => this.results.find((r) => r.name === n)?.status !== 'pass');
    if (missing.length) {
      this.#add({ name, status: 'skip', note: `needs ${missing.join(', ')}`, ms: 0 });
      return false;
    }
    process.stdout.write(`\n==> ${name}\n`);
    const t0 = performance.now();
    try {
      const note = (await fn()) ?? '';
      this.#add({ name, status: 'pass', note, ms: performance.now() - t0 });
      return true;
    } catch (e) {
      const note = e instanceof CheckFailure ? e.message : `${e?.name ?? 'Error'}: ${e?.message ?? e}`;
      const details = e instanceof CheckFailure ? e.details : (e?.stack ?? '');
      this.#add({ name, status: 'fail', note, details, ms: performance.now() - t0 });
      return false;
    }
  }

  #add(r) {
    this.results.push(r);
    const secs = r.ms ? ` (${(r.ms / 1000).toFixed(1)} s)` : '';
    process.stdout.write(`${mark[r.status]} ${r.name}${secs}: ${r.note}\n`);
    if (r.details) process.stdout.write(`${r.details}\n`);
  }

  get failed() {
    return this.results.filter((r) => r.status !== 'pass');
  }

  /** Print the summary table; returns the process exit code (1 if anything failed or was skipped). */
  summary(totalMs) {
    const width = Math.max(...this.results.map((r) => r.name.length));
    process.stdout.write(`\n==> check:packages summary (${(totalMs / 1000).toFixed(0)} s)\n`);
    for (const r of this.results) process.stdout.write(`${mark[r.status]} ${r.name.padEnd(width)}  ${r.note.split('\n')[0]}\n`);
    const bad = this.failed;
    process.stdout.write(
      bad.length === 0
        ? `\nAll ${this.results.length} checks passed.\n`
        : `\n${bad.filter((r) => r.status === 'fail').length} failed, ${bad.filter((r) => r.status === 'skip').length} skipped of ${this.results.length}; details above each FAIL line.\n`,
    );
    return bad.length === 0 ? 0 : 1;
  }
}

/** A failed check: `message` is the one-line reason, `details` what to look at. */
export class CheckFailure extends Error {
  constructor(message, details = '') {
    super(message);
    this.name = 'CheckFailure';
    this.details = details;
  }
}
