#!/usr/bin/env node
/**
 * Doc-comment coverage of the public API (issue 17, item 5).
 *
 * Converts the packages with TypeDoc (the repo's typedoc.json and each package's typedoc.json, as
 * `pnpm run docs` does, but nothing is written to docs/api) and counts, per package and overall,
 * the public functions, classes, class methods (Tensor's especially) and callables reached
 * through exported variables and namespaces (`F.*`, `init.*`, `linalg.*`): how many have a doc
 * comment (a non-empty summary) and how many an `@example`. Overloads count once; names starting
 * with `_`, private/protected members and `@internal`/`@hidden`/`@ignore` ones do not count.
 *
 *   node scripts/doc-coverage.mjs                          # every package
 *   node scripts/doc-coverage.mjs --package=@dl/tensor --package=@dl/autograd
 *   node scripts/doc-coverage.mjs --min-comment=100 --min-example=90   # the defaults
 *   node scripts/doc-coverage.mjs --json=/tmp/coverage.json           # also write the counts
 *   node scripts/doc-coverage.mjs --write-project=p.json   # keep TypeDoc's project (JSON) …
 *   node scripts/doc-coverage.mjs --from-json=p.json       # … and count it (or a `typedoc --json` file) again
 *
 * Exits 1 when the comment share is below --min-comment (default 100: every counted name) or the
 * `@example` share below --min-example (default 90), overall for the selected packages.
 */
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// TypeDoc's ReflectionKind values (stable across 0.2x).
const KIND = {
  Project: 0x1,
  Module: 0x2,
  Namespace: 0x4,
  Enum: 0x8,
  Variable: 0x20,
  Function: 0x40,
  Class: 0x80,
  Interface: 0x100,
  Constructor: 0x200,
  Property: 0x400,
  Method: 0x800,
  Accessor: 0x40000,
  TypeLiteral: 0x10000,
  Reference: 0x400000,
};

const HIDDEN_TAGS = new Set(['@internal', '@hidden', '@ignore']);

function summaryText(comment) {
  if (!comment?.summary) return '';
  return comment.summary
    .map((p) => p.text ?? '')
    .join('')
    .trim();
}

function hasExample(comment) {
  return !!comment?.blockTags?.some((t) => t.tag === '@example' && t.content?.some((p) => (p.text ?? '').trim() !== ''));
}

function isHiddenComment(comment) {
  return !!comment?.modifierTags?.some((t) => HIDDEN_TAGS.has(t));
}

/** Every comment that documents a declaration: its own, its signatures', its accessor's. */
function commentsOf(r) {
  const out = [];
  if (r.comment) out.push(r.comment);
  for (const s of r.signatures ?? []) if (s.comment) out.push(s.comment);
  if (r.getSignature?.comment) out.push(r.getSignature.comment);
  if (r.setSignature?.comment) out.push(r.setSignature.comment);
  const decl = r.type?.type === 'reflection' ? r.type.declaration : undefined;
  for (const s of decl?.signatures ?? []) if (s.comment) out.push(s.comment);
  return out;
}

function isHidden(r) {
  // `_private` names, and symbol-keyed protocol members (`[iterator]`, `[dispose]`, `[INSPECT]`): nobody calls them by name.
  if (r.name.startsWith('_') || r.name.startsWith('[')) return true;
  if (r.flags?.isPrivate || r.flags?.isProtected) return true;
  return commentsOf(r).some(isHiddenComment);
}

/** Where a member is declared (its source position, or the name TypeDoc gives its origin without sources). */
function declarationKey(m) {
  const src = m.sources?.[0] ?? m.signatures?.[0]?.sources?.[0];
  if (src) return `${src.fileName}:${src.line}:${src.character}:${m.name}`;
  const from = m.inheritedFrom?.name;
  return from ? `${from.slice(0, from.lastIndexOf('.'))}#${m.name}` : `#${m.id}`;
}

/** Declared outside the project (TypeScript's lib, node_modules): Array's methods on Size, Error's statics on DLError. */
function isExternal(m) {
  if (m.flags?.isExternal) return true;
  const src = m.sources?.[0] ?? m.signatures?.[0]?.sources?.[0];
  return !!src && src.fileName.includes('node_modules/');
}

function callableType(r) {
  const decl = r.type?.type === 'reflection' ? r.type.declaration : undefined;
  return !!decl?.signatures?.length;
}

function objectOfFunctions(r) {
  const decl = r.type?.type === 'reflection' ? r.type.declaration : undefined;
  if (!decl?.children?.length) return undefined;
  const fns = decl.children.filter((c) => c.kind === KIND.Method || (c.kind === KIND.Property && callableType(c)));
  return fns.length ? fns : undefined;
}

/**
 * The countable names of one package's reflection: `{ name, category, comment, example }`, where
 * category is function | class | method | callable, and a method's name is `Class.method`.
 */
export function collectPackage(pkg) {
  const items = [];
  const record = (r, name, category) => {
    const cs = commentsOf(r);
    items.push({ name, category, comment: cs.some((c) => summaryText(c) !== ''), example: cs.some(hasExample) });
  };
  const seen = new Set();
  const inherited = []; // inherited members, counted after every class's own ones (see below)
  const walk = (r, prefix) => {
    for (const c of r.children ?? []) {
      if (seen.has(c.id)) continue;
      seen.add(c.id);
      if (c.kind === KIND.Reference || isHidden(c)) continue;
      const name = prefix ? `${prefix}.${c.name}` : c.name;
      switch (c.kind) {
        case KIND.Module:
          walk(c, '');
          break;
        case KIND.Namespace:
          walk(c, name);
          break;
        case KIND.Function:
          record(c, name, 'function');
          break;
        case KIND.Variable: {
          if (callableType(c)) record(c, name, 'callable');
          else {
            const fns = objectOfFunctions(c);
            for (const f of fns ?? []) if (!isHidden(f)) record(f, `${name}.${f.name}`, 'callable');
          }
          break;
        }
        case KIND.Class: {
          record(c, name, 'class');
          for (const m of c.children ?? []) {
            if (isHidden(m)) continue;
            const isMethod = m.kind === KIND.Method || (m.kind === KIND.Property && callableType(m));
            if (!isMethod) continue;
            const category = m.flags?.isStatic ? 'function' : 'method';
            if (isExternal(m)) continue;
            if (m.flags?.isInherited) inherited.push([m, `${name}.${m.name}`, category]);
            else {
              declared.add(declarationKey(m));
              record(m, `${name}.${m.name}`, category);
            }
          }
          break;
        }
        default:
          break;
      }
    }
  };
  const declared = new Set();
  walk(pkg, '');
  // An inherited member counts once, where it is declared: under its own class when that class is
  // public, else under the first public subclass (Tensor's methods from the internal TensorBase).
  for (const [m, name, category] of inherited) {
    const key = declarationKey(m);
    if (declared.has(key)) continue;
    declared.add(key);
    record(m, name, category);
  }
  return items;
}

/** Per-package items of a serialized TypeDoc project (a `packages` strategy project, or one package). */
export function collectProject(project) {
  const pkgs = (project.children ?? []).filter((c) => c.kind === KIND.Module && c.name.startsWith('@'));
  if (pkgs.length === 0) return { [project.name]: collectPackage(project) };
  const out = {};
  for (const p of pkgs) out[p.name] = collectPackage(p);
  return out;
}

/** Totals of a list of items, overall and per category. */
export function tally(items) {
  const t = { total: 0, comment: 0, example: 0, byCategory: {} };
  for (const it of items) {
    const c = (t.byCategory[it.category] ??= { total: 0, comment: 0, example: 0 });
    for (const x of [t, c]) {
      x.total++;
      if (it.comment) x.comment++;
      if (it.example) x.example++;
    }
  }
  return t;
}

const pct = (n, d) => (d === 0 ? 100 : (100 * n) / d);
const fmtPct = (n, d) => `${pct(n, d).toFixed(1)}%`;

function tensorMethods(items) {
  return items.filter((i) => i.category === 'method' && i.name.startsWith('Tensor.'));
}

/** The printed report: one row per package (and Tensor's methods), then the names that lack docs. */
export function report(byPkg, { listExamples = true } = {}) {
  const rows = [['package', 'names', 'comment', '%', '@example', '%']];
  const add = (label, t) =>
    rows.push([label, String(t.total), String(t.comment), fmtPct(t.comment, t.total), String(t.example), fmtPct(t.example, t.total)]);
  const all = [];
  for (const [pkg, items] of Object.entries(byPkg)) {
    all.push(...items);
    const t = tally(items);
    add(pkg, t);
    for (const [cat, c] of Object.entries(t.byCategory).sort()) add(`  ${cat === 'class' ? 'classes' : `${cat}s`}`, c);
    const tm = tensorMethods(items);
    if (tm.length) add('  Tensor methods', tally(tm));
  }
  if (Object.keys(byPkg).length > 1) add('all', tally(all));
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const lines = rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  for (const [pkg, items] of Object.entries(byPkg)) {
    const noComment = items.filter((i) => !i.comment).map((i) => i.name);
    const noExample = items.filter((i) => i.comment && !i.example).map((i) => i.name);
    if (noComment.length) lines.push('', `${pkg}: no doc comment (${noComment.length}):`, wrap(noComment));
    if (listExamples && noExample.length) lines.push('', `${pkg}: comment but no @example (${noExample.length}):`, wrap(noExample));
  }
  return { text: lines.join('\n'), total: tally(all) };
}

function wrap(names, width = 110) {
  const out = [];
  let line = ' ';
  for (const n of names) {
    if (line.length + n.length + 2 > width) {
      out.push(line);
      line = ' ';
    }
    line += ` ${n},`;
  }
  out.push(line.replace(/,$/, ''));
  return out.join('\n');
}

function parseArgs(argv) {
  const a = { packages: [], minComment: 100, minExample: 90, json: undefined, fromJson: undefined, listExamples: true };
  for (const arg of argv) {
    const [k, v] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (k === '--package') a.packages.push(v);
    else if (k === '--min-comment') a.minComment = Number(v);
    else if (k === '--min-example') a.minExample = Number(v);
    else if (k === '--json') a.json = v;
    else if (k === '--from-json') a.fromJson = v;
    else if (k === '--write-project') a.writeProject = v;
    else if (k === '--no-list-examples') a.listExamples = false;
    else if (k === '--help' || k === '-h') {
      const src = readFileSync(fileURLToPath(import.meta.url), 'utf8');
      console.log(src.slice(src.indexOf('/**'), src.indexOf('*/') + 2));
      process.exit(0);
    } else throw new Error(`doc-coverage: unknown argument ${arg} (see --help)`);
  }
  if (!Number.isFinite(a.minComment) || !Number.isFinite(a.minExample)) throw new Error('doc-coverage: thresholds must be numbers');
  return a;
}

/** Package directories by package name (packages/*). */
function packageDirs(root) {
  const out = {};
  for (const d of readdirSync(join(root, 'packages'))) {
    const pj = join(root, 'packages', d, 'package.json');
    if (existsSync(pj)) out[JSON.parse(readFileSync(pj, 'utf8')).name] = `packages/${d}`;
  }
  return out;
}

/** Convert with TypeDoc's API (typedoc.json's options; entry points narrowed to `dirs` if given); returns the serialized project. */
export async function convertWithTypedoc(root, dirs) {
  const td = await import('typedoc');
  // Keep sources: they say where an inherited member is declared, so a method that subclasses
  // inherit through unexported bases counts once (the packages' typedoc.json disable them for the site).
  const read = td.Options.prototype.read;
  td.Options.prototype.read = async function (...args) {
    await read.apply(this, args);
    this.setValue('disableSources', false);
  };
  const prev = process.cwd();
  process.chdir(root);
  try {
    const opts = { logLevel: 'Error' };
    if (dirs?.length) opts.entryPoints = dirs;
    const app = await td.Application.bootstrapWithPlugins(opts, [
      new td.TypeDocReader(),
      new td.PackageJsonReader(),
      new td.TSConfigReader(),
    ]);
    const project = await app.convert();
    if (!project) throw new Error('doc-coverage: TypeDoc could not convert the project');
    return app.serializer.projectToObject(project, root);
  } finally {
    process.chdir(prev);
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const root = resolve(fileURLToPath(import.meta.url), '../..');
  let project;
  if (args.fromJson) project = JSON.parse(readFileSync(args.fromJson, 'utf8'));
  else {
    const dirs = packageDirs(root);
    const unknown = args.packages.filter((p) => !dirs[p]);
    if (unknown.length) throw new Error(`doc-coverage: no package ${unknown.join(', ')} (have ${Object.keys(dirs).join(', ')})`);
    project = await convertWithTypedoc(
      root,
      args.packages.map((p) => dirs[p]),
    );
  }
  if (args.writeProject) writeFileSync(args.writeProject, JSON.stringify(project));
  let byPkg = collectProject(project);
  if (args.packages.length) byPkg = Object.fromEntries(Object.entries(byPkg).filter(([k]) => args.packages.includes(k)));
  const { text, total } = report(byPkg, { listExamples: args.listExamples });
  console.log(text);
  if (args.json)
    writeFileSync(
      args.json,
      JSON.stringify({ packages: Object.fromEntries(Object.entries(byPkg).map(([k, v]) => [k, { ...tally(v), items: v }])) }, null, 1),
    );
  const c = pct(total.comment, total.total);
  const e = pct(total.example, total.total);
  const fails = [];
  if (c < args.minComment) fails.push(`doc comments on ${c.toFixed(1)}% of ${total.total} public names (need ${args.minComment}%)`);
  if (e < args.minExample) fails.push(`@example on ${e.toFixed(1)}% (need ${args.minExample}%)`);
  console.log('');
  if (fails.length) {
    console.log(`doc-coverage: FAIL: ${fails.join('; ')}`);
    process.exitCode = 1;
  } else console.log(`doc-coverage: ok: comments ${c.toFixed(1)}%, @example ${e.toFixed(1)}% of ${total.total} public names`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(2);
  });
}
