/**
 * End to end, in headless Chromium: `vite build`, serve dist/ on 127.0.0.1, open the page, train
 * a few steps, check the chart and the numbers moved and the loss went down, draw a digit with
 * the mouse and read the prediction; screenshots go to `.artifacts/` (git-ignored).
 *
 * Skipped when no Chromium is found and `CI` is unset; with `CI=true` a missing Chromium fails.
 * The browser: `$CHROMIUM_BIN`, else /usr/bin/chromium (Debian: `apt-get install -y chromium`).
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlaygroundState } from '../src/main.js';
import { findChromium, serveDir } from './serve.js';

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const artifacts = join(appDir, '.artifacts');
const bin = findChromium();
const inCI = !!process.env.CI && process.env.CI !== 'false';
/** CI sets this: the WebGPU case must then run on webgpu, not fall back to cpu. */
const requireWebgpu = process.env.DL_REQUIRE_WEBGPU === '1';
/** WebGPU on Chromium's bundled SwiftShader (software Vulkan), for machines without a GPU. */
const WEBGPU_FLAGS = (process.env.DL_WEBGPU_FLAGS ?? '--enable-unsafe-webgpu --enable-unsafe-swiftshader --use-webgpu-adapter=swiftshader')
  .split(' ')
  .filter(Boolean);

it.runIf(inCI && !bin)('finds Chromium (CI=true: a missing browser is a failure)', () => {
  expect(bin, 'no Chromium: apt-get install -y chromium, or set CHROMIUM_BIN').not.toBeNull();
});

async function launch(webgpu: boolean): Promise<Browser> {
  return chromium.launch({
    executablePath: bin!,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--no-first-run', ...(webgpu ? WEBGPU_FLAGS : ['--disable-gpu'])],
    timeout: 60_000,
  });
}

/** Read the page's state (an `evaluate`, which the page's CSP does not restrict, unlike `waitForFunction`). */
const stateOf = (page: Page): Promise<PlaygroundState> =>
  page.evaluate(() => (globalThis as { __playground?: PlaygroundState }).__playground!);

async function until(page: Page, what: string, ok: (s: PlaygroundState) => boolean, timeoutMs: number): Promise<PlaygroundState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await stateOf(page);
    if (s?.error) throw new Error(`page error while waiting for ${what}: ${s.error}`);
    if (s && ok(s)) return s;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; state: ${JSON.stringify({ ...s, losses: s?.losses?.length })}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const maxDiff = (a: readonly number[], b: readonly number[]): number => Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));

/**
 * In one task of the page (so the second lands before the first has finished): change the device
 * select to each of `devices` in turn, then click Reset when `reset` is set.
 */
async function changeDevices(page: Page, devices: string[], reset: boolean): Promise<void> {
  await page.evaluate(
    ([devs, r]) => {
      const select = document.getElementById('device') as HTMLSelectElement;
      for (const d of devs) {
        select.value = d;
        select.dispatchEvent(new Event('change'));
      }
      if (r) (document.getElementById('reset') as HTMLButtonElement).click();
    },
    [devices, reset] as const,
  );
}

/** Stroke through `points` (fractions of the pad) with the mouse. */
async function draw(page: Page, strokes: Array<Array<[number, number]>>): Promise<void> {
  const box = (await page.locator('#pad').boundingBox())!;
  for (const stroke of strokes) {
    const [fx, fy] = stroke[0]!;
    await page.mouse.move(box.x + fx * box.width, box.y + fy * box.height);
    await page.mouse.down();
    for (let i = 1; i < stroke.length; i++) {
      const [a, b] = stroke[i - 1]!;
      const [c, d] = stroke[i]!;
      for (let t = 1; t <= 8; t++)
        await page.mouse.move(box.x + (a + ((c - a) * t) / 8) * box.width, box.y + (b + ((d - b) * t) / 8) * box.height);
    }
    await page.mouse.up();
  }
}

/** Stroke through `points` (fractions of the pad) with a finger (touch events through the DevTools protocol). */
async function drawTouch(page: Page, points: Array<[number, number]>): Promise<void> {
  const box = (await page.locator('#pad').boundingBox())!;
  const cdp = await page.context().newCDPSession(page);
  const at = ([fx, fy]: [number, number]) => [{ x: box.x + fx * box.width, y: box.y + fy * box.height }];
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: at(points[0]!) });
  for (let i = 1; i < points.length; i++) {
    const [a, b] = points[i - 1]!;
    const [c, d] = points[i]!;
    for (let t = 1; t <= 8; t++) {
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: at([a + ((c - a) * t) / 8, b + ((d - b) * t) / 8]) });
    }
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

/** Open the page, train `steps` steps, draw a 7, read the prediction; returns what it saw. */
async function trainAndDraw(page: Page, url: string, steps: number, memoryAt: number, shot: string) {
  const logs: string[] = [];
  page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  await page.setViewportSize({ width: 1000, height: 1300 });
  await page.goto(url, { waitUntil: 'load' });
  const ready = await until(page, 'the page to load the digits', (s) => s.phase === 'ready', 60_000).catch((e: Error) => {
    throw new Error(`${e.message}\npage console:\n${logs.join('\n')}`);
  });
  const chartBefore = await page.evaluate(() => (document.getElementById('chart') as HTMLCanvasElement).toDataURL());

  await page.click('#train');
  const early = await until(page, `${memoryAt} training steps`, (s) => s.steps >= memoryAt, 120_000);
  const training = await until(page, `${steps} training steps`, (s) => s.steps >= steps, 120_000);
  await page.click('#train'); // pause
  const paused = await until(page, 'the pause', (s) => s.phase === 'paused', 30_000);
  await page.waitForTimeout(100); // one more frame for the chart

  const chartAfter = await page.evaluate(() => (document.getElementById('chart') as HTMLCanvasElement).toDataURL());
  const shown = await page.evaluate(() => ({
    steps: document.getElementById('steps')!.textContent,
    loss: document.getElementById('loss')!.textContent,
    throughput: document.getElementById('throughput')!.textContent,
  }));

  // a 7: the top bar, then the diagonal down
  await draw(page, [
    [
      [0.25, 0.2],
      [0.75, 0.2],
      [0.45, 0.85],
    ],
  ]);
  const predicted = await until(page, 'a prediction', (s) => s.prediction !== null, 30_000);
  const domDigit = await page.locator('#prediction').textContent();
  const previewInk = await page.evaluate(() => {
    const c = document.getElementById('preview') as HTMLCanvasElement;
    return Array.from(
      c
        .getContext('2d')!
        .getImageData(0, 0, 28, 28)
        .data.filter((_, i) => i % 4 === 0),
    ).filter((v) => v > 0).length;
  });
  await page.screenshot({ path: join(artifacts, shot), fullPage: true });
  return { ready, early, training, paused, chartBefore, chartAfter, shown, predicted, domDigit, previewInk, logs };
}

describe.skipIf(!bin)('playground in headless Chromium', () => {
  let dist = '';
  beforeAll(async () => {
    await mkdir(artifacts, { recursive: true });
    dist = join(appDir, 'dist');
    await build({ root: appDir, configFile: join(appDir, 'vite.config.ts'), logLevel: 'warn', build: { outDir: dist, emptyOutDir: true } });
  }, 120_000);

  let browser: Browser | undefined;
  afterAll(async () => {
    await browser?.close();
  });

  it('trains LeNet-5 on cpu (cross-origin isolated), updates the chart, and classifies digits drawn with the mouse and by touch', async () => {
    const srv = await serveDir(dist, true);
    browser = await launch(false);
    try {
      const page = await browser.newPage({ hasTouch: true });
      const r = await trainAndDraw(page, `${srv.url}?device=cpu&batch=32&evalEvery=20`, 40, 25, 'playground-cpu.png');
      expect(r.ready.device).toBe('cpu');
      expect(r.ready.crossOriginIsolated).toBe(true);
      expect(r.ready.webgpu.available).toBe(false); // --disable-gpu
      expect(await page.locator('#device option[value=webgpu]').isDisabled()).toBe(true);
      expect(r.paused.steps).toBeGreaterThanOrEqual(40);
      // the chart was redrawn, and its pixels changed
      expect(r.paused.chartDraws).toBeGreaterThan(1);
      expect(r.chartAfter).not.toBe(r.chartBefore);
      // the numbers in the DOM follow the state
      expect(Number(r.shown.steps)).toBe(r.paused.steps);
      expect(r.shown.throughput).toMatch(/^\d+ images\/s$/);
      expect(r.paused.imagesPerSec).toBeGreaterThan(0);
      // the loss went down: the last 10 steps against the first 5 (2.30 = ln 10 at the start)
      const losses = r.paused.losses;
      expect(mean(losses.slice(0, 5))).toBeGreaterThan(2);
      expect(mean(losses.slice(-10))).toBeLessThan(mean(losses.slice(0, 5)) * 0.85);
      expect(r.paused.testAccuracy).toBeGreaterThan(0.3); // evaluated at steps 20 and 40 on the 2000 test digits
      // no tidy, no dispose, and memory stays flat: a step's activations alone are > 0.6 MB
      expect(r.paused.memoryBytes.cpu! - r.early.memoryBytes.cpu!).toBeLessThan(2e6);
      // a prediction for the drawn digit, shown in the page
      const p = r.predicted.prediction!;
      expect(r.previewInk).toBeGreaterThan(20);
      expect(p.probs).toHaveLength(10);
      expect(mean(p.probs) * 10).toBeCloseTo(1, 4);
      expect(p.digit).toBe(p.probs.indexOf(Math.max(...p.probs)));
      expect(r.domDigit).toBe(String(p.digit));
      // Clear, then a 1 drawn with a finger
      await page.click('#clear');
      await until(page, 'the cleared pad', (s) => s.prediction === null, 10_000);
      await drawTouch(page, [
        [0.5, 0.15],
        [0.5, 0.85],
      ]);
      const touched = await until(page, 'a prediction of the touch drawing', (s) => s.prediction !== null, 30_000);
      expect(touched.predictions).toBeGreaterThan(r.predicted.predictions);
      expect(await page.locator('#prediction').textContent()).toBe(String(touched.prediction!.digit));
      // Reset weights: back to step 0 with a fresh model (the same seed: the same first loss again)
      await page.click('#reset');
      const reset = await until(page, 'the reset', (s) => s.steps === 0 && s.losses.length === 0, 10_000);
      expect(reset.testAccuracy).toBeNull();
      await page.click('#train');
      const again = await until(page, 'a step after the reset', (s) => s.steps >= 1, 30_000);
      await page.click('#train');
      expect(again.losses[0]).toBeCloseTo(losses[0]!, 5);
      console.log(
        `cpu (${r.ready.cpuThreads} threads): ${r.paused.steps} steps, loss ${mean(losses.slice(0, 5)).toFixed(3)} → ${mean(losses.slice(-10)).toFixed(3)}, ` +
          `test accuracy ${((r.paused.testAccuracy ?? 0) * 100).toFixed(1)}%, ${Math.round(r.paused.imagesPerSec ?? 0)} images/s; ` +
          `drawn 7 read as ${p.digit} (${(Math.max(...p.probs) * 100).toFixed(0)}%), a 1 drawn by touch as ${touched.prediction!.digit}`,
      );
    } finally {
      await browser.close();
      browser = undefined;
      await srv.close();
    }
  }, 150_000);

  it('with --enable-unsafe-webgpu (SwiftShader), not isolated: trains on webgpu (required under DL_REQUIRE_WEBGPU=1) as on cpu, and switches devices both ways, with a Reset during the switch', async () => {
    const srv = await serveDir(dist, false);
    browser = await launch(true);
    try {
      const page = await browser.newPage();
      const r = await trainAndDraw(page, `${srv.url}?batch=32&evalEvery=1000`, 8, 3, 'playground-webgpu-flags.png');
      const gpuNote = `webgpu ${r.ready.webgpu.available ? 'available' : 'unavailable'}: ${r.ready.webgpu.reason}`;
      console.log(`page used ${r.ready.device} (${gpuNote})`);
      if (requireWebgpu)
        expect(r.ready.device, `DL_REQUIRE_WEBGPU=1 but the page trained on ${r.ready.device} (${gpuNote})`).toBe('webgpu');
      expect(r.ready.crossOriginIsolated).toBe(false);
      expect(r.ready.cpuThreads).toBe(1);
      expect(r.ready.device).toBe(r.ready.webgpu.available ? 'webgpu' : 'cpu');
      expect(r.paused.steps).toBeGreaterThanOrEqual(8);
      expect(r.chartAfter).not.toBe(r.chartBefore);
      expect(Number.isFinite(r.paused.lastLoss)).toBe(true);
      const dev = r.ready.device;
      expect(r.paused.memoryBytes[dev]! - r.early.memoryBytes[dev]!).toBeLessThan(5e5); // flat (see the cpu case)
      expect(r.predicted.prediction!.probs).toHaveLength(10);
      console.log(
        `${r.paused.steps} steps, loss ${r.paused.losses[0]!.toFixed(3)} → ${r.paused.lastLoss!.toFixed(3)}, ${Math.round(r.paused.imagesPerSec ?? 0)} images/s`,
      );
      if (dev !== 'webgpu') return; // no adapter (and not required): the cpu case covers the rest
      // the model and Adam's two moments live on the GPU (61,706 float32 each)
      expect(r.paused.memoryBytes.webgpu).toBeGreaterThan(3 * 61_706 * 4);

      // the cpu reference, in a second page of this browser: same seed, same initial weights, same
      // batches, so webgpu's first losses are cpu's
      const n = 5;
      const cpuPage = await browser.newPage();
      await cpuPage.goto(`${srv.url}?device=cpu&batch=32&evalEvery=1000`, { waitUntil: 'load' });
      await until(cpuPage, 'the cpu page to load', (s) => s.phase === 'ready', 60_000);
      await cpuPage.click('#train');
      await until(cpuPage, `${n} cpu steps`, (s) => s.steps >= n, 60_000);
      await cpuPage.click('#train');
      const cpu = await until(cpuPage, 'the cpu pause', (s) => s.phase === 'paused', 30_000);
      await cpuPage.close();
      expect(cpu.device).toBe('cpu');
      const gpuLosses = r.paused.losses.slice(0, n);
      const cpuLosses = cpu.losses.slice(0, n);
      expect(maxDiff(gpuLosses, cpuLosses), `webgpu ${gpuLosses} vs cpu ${cpuLosses}`).toBeLessThan(2e-3);

      // webgpu → cpu while training, with Reset clicked before the switch is done: the reset model
      // lands on cpu, and training restarts from step 0 with the seeded weights (cpu's losses again)
      await page.click('#train');
      await until(page, 'training again', (s) => s.steps >= r.paused.steps + 2, 60_000);
      await changeDevices(page, ['cpu'], true);
      const onCpu = await until(
        page,
        'the switch to cpu and the reset',
        (s) => s.resets === 1 && s.device === 'cpu' && s.steps >= 3,
        60_000,
      );
      expect(onCpu.switches).toBe(1);
      expect(onCpu.phase).toBe('training');
      expect(await page.locator('body').getAttribute('data-device')).toBe('cpu');
      expect(
        maxDiff(onCpu.losses.slice(0, 3), cpuLosses),
        `after the reset on cpu ${onCpu.losses.slice(0, 3)} vs ${cpuLosses}`,
      ).toBeLessThan(1e-5);

      // cpu → webgpu, the same way
      await changeDevices(page, ['webgpu'], true);
      const onGpu = await until(
        page,
        'the switch to webgpu and the reset',
        (s) => s.resets === 2 && s.device === 'webgpu' && s.steps >= 3,
        60_000,
      );
      expect(onGpu.switches).toBe(2);
      expect(await page.locator('body').getAttribute('data-device')).toBe('webgpu');
      expect(
        maxDiff(onGpu.losses.slice(0, 3), gpuLosses),
        `after the reset on webgpu ${onGpu.losses.slice(0, 3)} vs ${gpuLosses}`,
      ).toBeLessThan(1e-4);

      // two quick changes (the second before the first is done): they run in order, ending on webgpu
      const stepsBefore = (await stateOf(page)).steps;
      await changeDevices(page, ['cpu', 'webgpu'], false);
      const twice = await until(page, 'both switches and steps after them', (s) => s.switches === 4 && s.steps >= stepsBefore + 3, 60_000);
      expect(twice.device).toBe('webgpu');
      await page.click('#train');
      const after = await until(page, 'the pause', (s) => s.phase === 'paused', 30_000);
      expect(after.error).toBeNull();
      expect(after.losses.slice(-3).every(Number.isFinite)).toBe(true);
      expect(await page.locator('body').getAttribute('data-device')).toBe('webgpu');
      expect(after.memoryBytes.webgpu).toBeGreaterThan(3 * 61_706 * 4);
      console.log(
        `first ${n} losses on webgpu ${gpuLosses.map((l) => l.toFixed(7))}, on cpu ${cpuLosses.map((l) => l.toFixed(7))}; ` +
          `switched webgpu → cpu → webgpu with a Reset during each switch, then cpu → webgpu twice quickly: step ${after.steps}, loss ${after.lastLoss!.toFixed(3)}`,
      );
    } finally {
      await browser.close();
      browser = undefined;
      await srv.close();
    }
  }, 150_000);
});
