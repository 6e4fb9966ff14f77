/**
 * Run a guide's code: the ```ts blocks of a Markdown file, in order, as one module, with the
 * printed output of each block compared with the ```text block that follows it, if any.
 *
 * Note [Guides run as tests]
 * A guide's examples rot unless something runs them. Each ```ts block is a piece of one program
 * (later blocks see earlier declarations, as a reader reads them); a block followed directly by
 * a ```text block must print exactly that text (console.log, joined by newlines). The blocks are
 * written to a module beside this file (git-ignored) so `@dl/*` imports resolve as in the repo,
 * then imported; `console.log` is captured per block through a marker call between blocks.
 * The module runs with a fresh temporary directory as its working directory, prepared by the
 * guide's entry in `guide-setup.ts` (data files a guide reads from `./data`, say), and in a
 * process of its own (`run-guide-cli.ts`), as a reader runs it: no device, seed or memory count
 * of one guide reaches the next.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { guideSetups } from './guide-setup.js';

/** One code block and the output the guide shows for it (null: not compared). */
export interface GuideBlock {
  code: string;
  expected: string | null;
  line: number;
}

/** The ```ts blocks of `markdown`, each with the ```text block right after it. */
export function guideBlocks(markdown: string): GuideBlock[] {
  const re = /^```(\w*)\n([\s\S]*?)^```\s*$/gm;
  const fences: { lang: string; body: string; start: number; end: number }[] = [];
  for (let m = re.exec(markdown); m; m = re.exec(markdown))
    fences.push({ lang: m[1]!, body: m[2]!, start: m.index, end: m.index + m[0].length });
  const blocks: GuideBlock[] = [];
  fences.forEach((f, i) => {
    if (f.lang !== 'ts') return;
    const next = fences[i + 1];
    const between = next ? markdown.slice(f.end, next.start) : '';
    const expected = next && next.lang === 'text' && between.trim() === '' ? next.body.replace(/\n$/, '') : null;
    blocks.push({ code: f.body, expected, line: markdown.slice(0, f.start).split('\n').length });
  });
  return blocks;
}

/** A block's import statements (single- or multi-line, at the start of a line) and its other lines. */
export function splitImports(code: string): { imports: string[]; rest: string[] } {
  const imports: string[] = [];
  const rest: string[] = [];
  let open: string[] | null = null;
  for (const line of code.split('\n')) {
    if (open) {
      open.push(line);
      if (/from\s+['"][^'"]+['"];?\s*(\/\/.*)?$/.test(line)) {
        imports.push(open.join('\n'));
        open = null;
      }
    } else if (/^import\s/.test(line)) {
      if (/^import\s+['"]/.test(line) || /from\s+['"][^'"]+['"];?\s*(\/\/.*)?$/.test(line)) imports.push(line);
      else open = [line];
    } else rest.push(line);
  }
  if (open) throw new Error(`an import statement does not end: ${open.join(' ')}`);
  return { imports, rest };
}

/** The folder the guide modules are written to (git-ignored). */
export const guideRunDir = join(dirname(fileURLToPath(import.meta.url)), '.guide-run');

/** Write the guide's blocks as one module (see Note [Guides run as tests]); returns its path. */
export function writeGuideModule(file: string, blocks: GuideBlock[], tag: string = String(process.pid)): string {
  mkdirSync(guideRunDir, { recursive: true });
  const name = basename(file).replace(/[^A-Za-z0-9]+/g, '-');
  const mod = join(guideRunDir, `${name}-${tag}.ts`);
  // Imports go first (hoisted anyway); each block is followed by a marker that closes its output.
  const imports: string[] = [];
  const body: string[] = [];
  blocks.forEach((b, i) => {
    const { imports: own, rest } = splitImports(b.code);
    imports.push(...own);
    body.push(`// ${basename(file)} line ${b.line}`, ...rest, `__guideMark(${i});`);
  });
  const src = [
    ...new Set(imports),
    'declare const __guideMark: (i: number) => void;',
    'export async function __guide(): Promise<void> {',
    ...body,
    '}',
  ].join('\n');
  writeFileSync(mod, src);
  return mod;
}

/**
 * What each block printed, in order, run in a fresh working directory prepared by the guide's
 * setup (if any). Throws the first error a block raises, naming its line.
 */
export async function runGuide(file: string): Promise<{ blocks: GuideBlock[]; printed: string[] }> {
  const blocks = guideBlocks(readFileSync(file, 'utf8'));
  const mod = writeGuideModule(file, blocks);
  const cwd = process.cwd();
  const work = mkdtempSync(join(tmpdir(), 'dl-guide-'));
  await guideSetups[basename(file)]?.(work);
  const printed: string[] = [];
  let current: string[] = [];
  const g = globalThis as { __guideMark?: (i: number) => void };
  const log = console.log;
  g.__guideMark = () => {
    printed.push(current.join('\n'));
    current = [];
  };
  console.log = (...args: unknown[]) => current.push(format(...args));
  try {
    process.chdir(work);
    const m = (await import(pathToFileURL(mod).href)) as { __guide: () => Promise<void> };
    await m.__guide();
  } catch (e) {
    const at = blocks[printed.length];
    if (e instanceof Error) e.message = `guide ${file}, block at line ${at?.line ?? '?'}: ${e.message}`;
    throw e;
  } finally {
    process.chdir(cwd);
    console.log = log;
    delete g.__guideMark;
    rmSync(mod, { force: true });
    rmSync(work, { recursive: true, force: true });
  }
  return { blocks, printed };
}
