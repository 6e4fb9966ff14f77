// The docs site (`pnpm run docs` → docs/api): the PyTorch → dl table has every public name, search
// finds dl pages from PyTorch names, and, in headless Chromium, every internal link resolves, every
// guide renders and the search box works. Screenshots go to docs/.artifacts/ (git-ignored).
//
// The site is built first when docs/api is missing or older than a package source, a docs page or the
// plugin (typedoc, about two minutes; an mtime scan decides); DL_DOCS_REBUILD=1 rebuilds it anyway. The browser half needs Chromium ($CHROMIUM_BIN, else chromium on the PATH):
// without one it is skipped, unless CI is set, where a missing browser fails.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium } from '../../scripts/check-packages/browser.mjs';

const docsDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = join(docsDir, '..');
const siteDir = join(docsDir, 'api');
const artifacts = join(docsDir, '.artifacts');
const guidesDir = join(docsDir, 'guides');
const rootRequire = createRequire(join(repoRoot, 'package.json'));

/** The newest modification time (ms) among the files under `dir` that `keep` accepts (0: none). */
function newestMtime(dir: string, keep: (file: string) => boolean): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'api' || e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p, keep));
    else if (keep(e.name)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Why the site must be (re)built, or null when docs/api is current: it has no index.html, or a
 * package source (packages/{pkg}/src/**\/*.ts), a page (docs/**\/*.md), the plugin or typedoc.json
 * is newer than it, or DL_DOCS_REBUILD=1. A stale docs/api would hide a new typedoc warning.
 */
function staleSite(): string | null {
  if (process.env.DL_DOCS_REBUILD) return 'DL_DOCS_REBUILD is set';
  const index = join(siteDir, 'index.html');
  if (!existsSync(index)) return 'docs/api/index.html is missing';
  const built = statSync(index).mtimeMs;
  const packagesDir = join(repoRoot, 'packages');
  const newest = Math.max(
    ...readdirSync(packagesDir).map((p) =>
      existsSync(join(packagesDir, p, 'src')) ? newestMtime(join(packagesDir, p, 'src'), (f) => f.endsWith('.ts')) : 0,
    ),
    newestMtime(docsDir, (f) => f.endsWith('.md') || f.endsWith('.mjs') || f.endsWith('.json')),
    statSync(join(repoRoot, 'typedoc.json')).mtimeMs,
  );
  return newest > built ? 'a source, page or the plugin is newer than docs/api' : null;
}

/** Build the site unless docs/api is current (see staleSite). */
function ensureSite(): void {
  if (!staleSite()) return;
  // typedoc's `exports` has no ./bin/typedoc: the CLI is found beside its entry point (dist/index.js)
  const typedoc = join(dirname(rootRequire.resolve('typedoc')), '..', 'bin', 'typedoc');
  const r = spawnSync(process.execPath, [typedoc], { cwd: repoRoot, encoding: 'utf8', timeout: 900_000 });
  expect(r.status, `typedoc failed:\n${r.stdout}\n${r.stderr}`).toBe(0);
}

/** The search data typedoc writes to assets/search.js, decoded as its client does (base64 → inflate → JSON). */
function searchData(): { rows: { name: string; url: string; parent?: string }[]; index: object } {
  const js = readFileSync(join(siteDir, 'assets', 'search.js'), 'utf8');
  const b64 = /window\.searchData = "([^"]*)"/.exec(js)?.[1];
  if (!b64) throw new Error('assets/search.js: no window.searchData');
  return JSON.parse(inflateSync(Buffer.from(b64, 'base64')).toString('utf8'));
}

/** lunr, the search library typedoc's client uses (a dependency of typedoc). */
function loadLunr(): any {
  const typedocRequire = createRequire(rootRequire.resolve('typedoc'));
  return typedocRequire('lunr');
}

/**
 * The top results for `query` as typedoc's client ranks them (static/main.js): each word becomes
 * `*word*`, then results whose name starts with the query get their score multiplied by
 * 10 / (1 + |name length − query length|); the page shows the first ten.
 */
function search(query: string, data: ReturnType<typeof searchData>, lunr: any): { name: string; url: string }[] {
  const index = lunr.Index.load(data.index);
  const q = query
    .split(' ')
    .map((w) => (w.length ? `*${w}*` : ''))
    .join(' ');
  const res: { ref: string; score: number }[] = index.search(q);
  for (const r of res) {
    const row = data.rows[Number(r.ref)]!;
    if (row.name.toLowerCase().startsWith(query.toLowerCase())) r.score *= 10 / (1 + Math.abs(row.name.length - query.length));
  }
  res.sort((a, b) => b.score - a.score);
  return res.slice(0, 10).map((r) => data.rows[Number(r.ref)]!);
}

/** The rows of the generated table: the dl name (link text) and the page it links to. */
function tableRows(): { path: string; href: string }[] {
  const html = readFileSync(join(siteDir, 'pytorch-names.html'), 'utf8');
  const body = html.slice(html.indexOf('id="every-public-name"'));
  return [...body.matchAll(/<tr>\s*<td><a href="([^"]+)"[^>]*>([^<]+)<\/a><\/td>/g)].map((m) => ({ path: m[2]!, href: m[1]! }));
}

/** The rows of the generated table: package → set of dl names (the link texts). */
function tableNames(): Map<string, Set<string>> {
  const html = readFileSync(join(siteDir, 'pytorch-names.html'), 'utf8');
  const start = html.indexOf('id="every-public-name"');
  expect(start, 'pytorch-names.html has the generated table').toBeGreaterThan(0);
  const out = new Map<string, Set<string>>();
  let current: Set<string> | null = null;
  const re = /<h3[^>]*>([^<]+)<|<tr>\s*<td><a [^>]*>([^<]+)<\/a><\/td>\s*<td>(.*?)<\/td>/g;
  const body = html.slice(start);
  for (let m = re.exec(body); m; m = re.exec(body)) {
    if (m[1]) current = m[1].startsWith('@dl/') ? out.set(m[1].trim(), new Set()).get(m[1].trim())! : null;
    else current?.add(m[2]!);
  }
  return out;
}

const isNamespace = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === 'object' && Object.prototype.toString.call(v) === '[object Module]';

interface Exported {
  path: string;
  name: string;
  value: unknown;
  /** the namespace object it is a member of (null: the package itself) */
  ns: object | null;
}

/** Every runtime export of a package, namespaces walked once each (`nn.Linear`, `nn.utils.rnn.packSequence`). */
function exportedNames(mod: Record<string, unknown>, prefix = ''): Exported[] {
  const out: Exported[] = [];
  const seen = new Set<object>();
  const walk = (obj: Record<string, unknown>, path: string[], ns: object | null) => {
    for (const key of Object.keys(obj)) {
      if (key === 'default' || key.startsWith('_')) continue;
      const value = obj[key];
      out.push({ path: [...path, key].join('.'), name: key, value, ns });
      if (isNamespace(value) && !seen.has(value)) {
        seen.add(value);
        walk(value, [...path, key], value);
      }
    }
  };
  walk(mod, prefix ? [prefix] : [], null);
  return out;
}

/** The .ts sources of a package (not its tests). */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')
        ? [readFileSync(join(dir, e.name), 'utf8')]
        : [],
  );
}
const sourceCache = new Map<string, string[]>();

/** Whether `name` is declared under a doc comment tagged `@internal` (left out of the site on purpose). */
function markedInternal(pkg: string, name: string): boolean {
  const dir = join(repoRoot, 'packages', pkg.replace('@dl/', ''), 'src');
  if (!sourceCache.has(dir)) sourceCache.set(dir, sources(dir));
  const re = new RegExp(
    String.raw`/\*\*(?:(?!\*/)[\s\S])*@internal(?:(?!\*/)[\s\S])*\*/\s*export\s+(?:async\s+)?(?:function\*?|const|let|class)\s+${name}\b`,
  );
  return sourceCache.get(dir)!.some((src) => re.test(src));
}

const PACKAGES: [pkg: string, entry: string, prefix: string][] = [
  ['@dl/tensor', '@dl/tensor', ''],
  ['@dl/tensor', '@dl/tensor/backend', 'backend-api'],
  ['@dl/autograd', '@dl/autograd', ''],
  ['@dl/backend-cpu', '@dl/backend-cpu', ''],
  ['@dl/backend-webgpu', '@dl/backend-webgpu', ''],
  ['@dl/nn', '@dl/nn', ''],
  ['@dl/optim', '@dl/optim', ''],
  ['@dl/data', '@dl/data', ''],
  ['@dl/vision', '@dl/vision', ''],
];

describe('staleSite: the mtime scan that decides whether to rebuild', () => {
  it('finds the newest matching file, skipping node_modules, docs/api and dot folders', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dl-site-'));
    try {
      const put = (rel: string, seconds: number) => {
        mkdirSync(join(dir, rel, '..'), { recursive: true });
        writeFileSync(join(dir, rel), '');
        utimesSync(join(dir, rel), seconds, seconds);
      };
      put('src/a.ts', 1000);
      put('src/deep/b.ts', 2000);
      put('src/deep/c.js', 5000);
      put('node_modules/x/d.ts', 9000);
      put('api/e.ts', 9000);
      put('.cache/f.ts', 9000);
      expect(newestMtime(dir, (f) => f.endsWith('.ts'))).toBe(2_000_000);
      put('src/deep/b.ts', 3000);
      expect(newestMtime(dir, (f) => f.endsWith('.ts'))).toBe(3_000_000);
      expect(newestMtime(join(dir, 'src', 'deep'), (f) => f.endsWith('.md'))).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('docs site', () => {
  beforeAll(() => ensureSite(), 900_000);

  it('the PyTorch → dl table lists every exported public name of every package', async () => {
    const table = tableNames();
    expect([...table.keys()].sort()).toEqual([...new Set(PACKAGES.map((p) => p[0]))].sort());
    const missing: string[] = [];
    for (const [pkg, entry, prefix] of PACKAGES) {
      const rows = table.get(pkg)!;
      const names = exportedNames(await import(entry), prefix);
      // a namespace exported under two names (`F` and `nn.functional`) lists its members under one of them
      const nsPaths = new Map<object, string[]>();
      for (const n of names) if (isNamespace(n.value)) nsPaths.set(n.value, [...(nsPaths.get(n.value) ?? []), n.path]);
      for (const n of names) {
        const candidates = n.ns ? (nsPaths.get(n.ns) ?? []).map((p) => `${p}.${n.name}`) : [n.path];
        if (!candidates.some((c) => rows.has(c)) && !markedInternal(pkg, n.name)) missing.push(`${pkg}: ${n.path}`);
      }
    }
    expect(missing, 'exported but not in the table').toEqual([]);
  });

  it('every member of every public class page is in the table, inherited ones included', async () => {
    // A member shown on a class page has a row under that class, or, when inherited, under a public
    // class it inherits from at runtime (Module's zeroGrad under Module, not under each layer; ConvNd's
    // weight under nn.Conv2d, as ConvNd is not exported). Members of TypeScript's lib (Size's Array
    // methods, DLError's message) are marked external and have none.
    const rows = tableRows();
    const paths = new Set(rows.map((r) => r.path));
    const byPage = new Map<string, string[]>();
    for (const r of rows) if (/^classes\/[^#]+\.html$/.test(r.href)) byPage.set(r.href, [...(byPage.get(r.href) ?? []), r.path]);
    expect(byPage.size, 'class pages in the table').toBeGreaterThan(150);
    const ctorPaths = new Map<unknown, string[]>();
    const ctorOf = new Map<string, unknown>();
    for (const [, entry, prefix] of PACKAGES)
      for (const n of exportedNames(await import(entry), prefix))
        if (typeof n.value === 'function' && paths.has(n.path)) {
          ctorPaths.set(n.value, [...(ctorPaths.get(n.value) ?? []), n.path]);
          ctorOf.set(n.path, n.value);
        }
    const missing: string[] = [];
    let members = 0;
    for (const [page, owners] of byPage) {
      const html = readFileSync(join(siteDir, page), 'utf8');
      const ctor = owners.map((p) => ctorOf.get(p)).find(Boolean);
      const ancestors: string[] = [];
      for (let c = ctor && Object.getPrototypeOf(ctor); c && c !== Function.prototype; c = Object.getPrototypeOf(c))
        ancestors.push(...(ctorPaths.get(c) ?? []));
      const re = /<section class="tsd-panel tsd-member([^"]*)">\s*<h3[^>]*><span>(.*?)<\/span>/g;
      for (const m of html.matchAll(re)) {
        const name = m[2]!.replace(/<wbr\/>/g, '');
        if (m[1]!.includes('tsd-is-external') || name === 'constructor') continue;
        members++;
        const under = m[1]!.includes('tsd-is-inherited') ? [...owners, ...ancestors] : owners;
        if (!under.some((o) => paths.has(`${o}.${name}`))) missing.push(`${owners[0]}.${name}`);
      }
    }
    expect(members, 'members on class pages').toBeGreaterThan(2000);
    expect(missing, 'on a class page but not in the table').toEqual([]);
  });

  it('the table gives the PyTorch names of the usual suspects', () => {
    const html = readFileSync(join(siteDir, 'pytorch-names.html'), 'utf8');
    const row = (dl: string) => new RegExp(`>${dl.replace(/\./g, '\\.')}</a></td>\\s*<td>(.*?)</td>`).exec(html)?.[1];
    expect(row('Module.zeroGrad')).toBe('<code>torch.nn.Module.zero_grad</code>');
    expect(row('Optimizer.zeroGrad')).toBe('<code>torch.optim.Optimizer.zero_grad</code>');
    expect(row('noGrad')).toBe('<code>torch.no_grad</code>');
    expect(row('F.crossEntropy')).toBe('<code>torch.nn.functional.cross_entropy</code>');
    expect(row('Module.loadStateDict')).toBe('<code>torch.nn.Module.load_state_dict</code>');
    expect(row('DataLoader')).toBe('<code>torch.utils.data.DataLoader</code>');
    expect(row('nn.Linear')).toBe('<code>torch.nn.Linear</code>');
    expect(row('lrScheduler.StepLR')).toBe('<code>torch.optim.lr_scheduler.StepLR</code>');
    expect(row('transforms.Normalize')).toBe('<code>torchvision.transforms.Normalize</code>');
    expect(row('Tensor.add_')).toBe('<code>torch.Tensor.add_</code>');
    expect(row('Tensor.at')).toBe('<code>x[...]</code> (indexing)');
    expect(row('tidy')).toBe('no torch equivalent');
    // inherited from classes the packages do not export (TensorBase, ConvNd): Note [Inherited members]
    expect(row('Tensor.shape')).toBe('<code>torch.Tensor.shape</code>');
    expect(row('Tensor.backward')).toBe('<code>torch.Tensor.backward</code>');
    expect(row('Tensor.isLeaf')).toBe('<code>torch.Tensor.is_leaf</code>');
    expect(row('Tensor.gradFn')).toBe('<code>torch.Tensor.grad_fn</code>');
    expect(row('Tensor.item')).toBe('<code>torch.Tensor.item</code>');
    for (const conv of ['nn.Conv1d', 'nn.Conv2d', 'nn.ConvTranspose1d', 'nn.ConvTranspose2d'])
      expect(row(`${conv}.weight`), conv).toBeDefined();
    expect(row('nn.LSTM.hiddenSize')).toBeDefined();
    // …but a member of a public base class only under that class
    expect(row('nn.Conv2d.zeroGrad')).toBeUndefined();
    // `Parameter` is a type and a value (rows for both): the value's is the class, not the module torch.nn.parameter
    const rows = (dl: string) =>
      [...html.matchAll(new RegExp(`>${dl.replace(/\./g, '\\.')}</a></td>\\s*<td>(.*?)</td>`, 'g'))].map((m) => m[1]);
    expect(rows('Parameter')).toContain('<code>torch.nn.Parameter</code>');
    expect(rows('nn.Parameter')).toContain('<code>torch.nn.Parameter</code>');
    expect(rows('nn.Parameter')).not.toContain('<code>torch.nn.parameter</code>');
    expect(row('setPrintOptions')).toBe('<code>torch.set_printoptions</code>');
    expect(row('recordFunction')).toBe('<code>torch.profiler.record_function</code>');
    expect(row('datasets.decodeJpeg')).toBe('<code>torchvision.io.decode_jpeg</code>');
    expect(row('utils.encodePng')).toBe('<code>torchvision.io.encode_png</code>');
    expect(row('models.BasicBlock')).toBe('<code>torchvision.models.resnet.BasicBlock</code>');
    expect(row('nn.NonDynamicallyQuantizableLinear')).toBe('<code>torch.nn.modules.linear.NonDynamicallyQuantizableLinear</code>');
  });

  it("the plugin's overrides name real torch names and real dl names, and its guide order real guides", async () => {
    const plugin = await import(pathToFileURL(join(docsDir, 'typedoc', 'pytorch-names.mjs')).href);
    const torch = plugin.loadTorchNames();
    const dotted = Object.values(plugin.OVERRIDES as Record<string, string>).filter((t) => !t.startsWith('`'));
    expect(dotted.filter((t) => !torch.has(t))).toEqual([]);
    const html = readFileSync(join(siteDir, 'pytorch-names.html'), 'utf8');
    const rows = new Set([...html.matchAll(/<td><a [^>]*>([^<]+)<\/a><\/td>/g)].map((m) => m[1]!));
    const unused = Object.keys(plugin.OVERRIDES).filter((k) => ![...rows].some((r) => r === k || r.endsWith(`.${k}`)));
    expect(unused, 'overrides of names dl does not have').toEqual([]);
    const guides = new Set(readdirSync(guidesDir).map((f) => f.replace(/\.md$/, '')));
    expect((plugin.GUIDE_ORDER as string[]).filter((g) => !guides.has(g))).toEqual([]);
  });

  it('search finds the dl page from the PyTorch name', () => {
    const data = searchData();
    const lunr = loadLunr();
    const cases: [query: string, url: RegExp][] = [
      ['zero_grad', /(Optimizer|Module)\.html#zerograd$/],
      ['no_grad', /noGrad\.html$/],
      ['state_dict', /Module\.html#statedict$/],
      ['cross_entropy', /F\.crossEntropy\.html$/],
      ['DataLoader', /DataLoader\.html$/],
      ['load_state_dict', /Module\.html#loadstatedict$/],
      // members inherited from the unexported TensorBase
      ['is_leaf', /Tensor\.html#isleaf$/],
      ['grad_fn', /Tensor\.html#gradfn$/],
      ['requires_grad', /Tensor\.html#requiresgrad$/],
    ];
    for (const [query, url] of cases) {
      const hits = search(query, data, lunr);
      expect(
        hits.some((h) => url.test(h.url)),
        `${query}: ${hits.map((h) => h.url).join(', ')}`,
      ).toBe(true);
    }
    // members inherited from the unexported TensorBase come first, not PReLU#forward or AutogradError
    for (const [query, anchor] of [
      ['is_leaf', 'isleaf'],
      ['grad_fn', 'gradfn'],
      ['requires_grad', 'requiresgrad'],
    ] as const)
      expect(search(query, data, lunr)[0]?.url, query).toMatch(new RegExp(`Tensor\\.html#${anchor}$`));
  });

  it('builds without an underscore member or a literal @packageDocumentation', () => {
    const data = searchData();
    expect(data.rows.filter((r) => /^_[^_]/.test(r.name)).map((r) => `${r.parent}.${r.name}`)).toEqual([]);
    const pages = ['index.html', 'modules.html', ...readdirSync(join(siteDir, 'modules')).map((f) => `modules/${f}`)];
    for (const p of pages)
      expect(readFileSync(join(siteDir, p), 'utf8'), p).not.toMatch(/@packageDocumentation|packageDocumentation<\/span>/);
  });
});

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** Serve `dir` on 127.0.0.1 (404 for what is not there). */
function serve(dir: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    const rel = normalize(path.endsWith('/') ? `${path}index.html` : path).replace(/^(\.\.[/\\])+/, '');
    try {
      const buf = readFileSync(join(dir, rel));
      res.writeHead(200, { 'content-type': TYPES[extname(rel)] ?? 'application/octet-stream' }).end(buf);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server })),
  );
}

const chromium = findChromium();
if (!chromium && process.env.CI) throw new Error('CI is set but no Chromium was found: apt-get install -y chromium, or set CHROMIUM_BIN');

describe.skipIf(!chromium)('docs site in headless Chromium', () => {
  let site: { url: string; server: Server };
  let browser: any;

  beforeAll(async () => {
    ensureSite();
    site = await serve(siteDir);
    const { chromium: pw } = await import('playwright-core');
    browser = await pw.launch({
      executablePath: chromium!,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
      timeout: 60_000,
    });
    mkdirSync(artifacts, { recursive: true });
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    if (site) await new Promise((r) => site.server.close(r));
  });

  it('every internal link from the landing page resolves (pages and anchors)', async () => {
    // Breadth-first over the served pages; each page's ids are collected to check `#anchor` links.
    const ids = new Map<string, Set<string>>();
    const broken: string[] = [];
    const queue = [new URL('index.html', site.url).href];
    const links: { from: string; to: URL }[] = [];
    const seen = new Set(queue);
    while (queue.length) {
      const url = queue.shift()!;
      const res = await fetch(url);
      if (res.status !== 200) {
        broken.push(`${url}: HTTP ${res.status}`);
        continue;
      }
      if (!url.endsWith('.html')) continue;
      const html = await res.text();
      ids.set(url, new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!)));
      for (const m of html.matchAll(/\s(?:href|src)="([^"]+)"/g)) {
        const to = new URL(m[1]!.replace(/&amp;/g, '&'), url);
        if (to.origin !== new URL(site.url).origin) continue;
        links.push({ from: url, to });
        const page = to.href.replace(/#.*$/, '');
        if (!seen.has(page)) {
          seen.add(page);
          queue.push(page);
        }
      }
    }
    for (const { from, to } of links) {
      const page = to.href.replace(/#.*$/, '');
      const anchor = decodeURIComponent(to.hash.slice(1));
      if (anchor && ids.has(page) && !ids.get(page)!.has(anchor)) broken.push(`${from} → ${to.href}: no id "${anchor}"`);
    }
    expect(seen.size, 'pages crawled').toBeGreaterThan(100);
    expect(broken).toEqual([]);
  }, 600_000);

  it('every guide page renders: its title and its code blocks', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e: Error) => errors.push(e.message));
    const guides = readdirSync(guidesDir).filter((f) => f.endsWith('.md'));
    expect(guides.length).toBeGreaterThan(3);
    for (const file of guides) {
      const md = readFileSync(join(guidesDir, file), 'utf8');
      const title = /^#\s+(.+)$/m.exec(md)![1]!.replace(/`/g, '').trim();
      const fences = (md.match(/^```\w*\n[\s\S]*?^```\s*$/gm) ?? []).length;
      const res = await page.goto(new URL(`guides/${file.replace(/\.md$/, '.html')}`, site.url).href);
      expect(res.status(), file).toBe(200);
      expect((await page.locator('h1').first().textContent())?.trim(), file).toBe(title);
      expect(await page.locator('.tsd-panel pre code, .col-content pre code').count(), `${file}: code blocks`).toBe(fences);
      if (file === 'getting-started.md') await page.screenshot({ path: join(artifacts, 'guide-getting-started.png'), fullPage: true });
    }
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);

  it('the landing page renders and its search box finds zeroGrad from zero_grad', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(new URL('index.html', site.url).href);
    expect(await page.locator('h1').first().textContent()).toContain('dl');
    expect(await page.locator('pre code').count()).toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: join(artifacts, 'landing.png'), fullPage: true });
    await page.click('#tsd-search-trigger');
    await page.fill('#tsd-search-input', 'zero_grad');
    const result = page.locator('#tsd-search-results li a', { hasText: 'zeroGrad' }).first();
    await result.waitFor({ timeout: 30_000 });
    expect(await result.getAttribute('href')).toMatch(/#zerograd$/);
    await page.screenshot({ path: join(artifacts, 'search-zero_grad.png') });
    await page.close();
  }, 120_000);
});
