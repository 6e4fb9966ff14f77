// TypeDoc plugin for the dl site (loaded by typedoc.json `plugin`):
//  - drops `_underscore` members (implementation details that TypeScript cannot make private);
//  - gives every public name its PyTorch name (Note [PyTorch names]): a "PyTorch: `torch…`" line in
//    its comment and a `torch` search field, so the site's search finds `zeroGrad` from `zero_grad`;
//  - appends the full PyTorch → dl table to docs/pytorch-names.md's page;
//  - puts the guides (docs/guides/*.md, picked up by glob) under one "Guides" page, in reading order,
//    and adds the playground's README as a page when it exists.
//
// Note [PyTorch names]
// A dl name's torch name is derived, not listed: the package and namespace give the torch module
// (@dl/nn nn.X → torch.nn.X, F.x → torch.nn.functional.x, @dl/optim lrScheduler.X →
// torch.optim.lr_scheduler.X, @dl/data → torch.utils.data, @dl/vision → torchvision.*), camelCase
// becomes snake_case (classes keep their name), and members of a class are looked up on the torch
// class and its bases. The candidate is checked against torch-names.json (written from PyTorch 1.13
// and torchvision 0.14 by torch-names.py): a name torch does not have is reported as "no torch
// equivalent" rather than guessed. OVERRIDES holds the few names that do not follow the rules.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Application, Comment, Converter, DocumentReflection, IndexEvent, KindRouter, MinimalSourceFile, ReflectionKind } from 'typedoc';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
/** The page the generated table is appended to (a project document). */
const TABLE_PAGE = join(repoRoot, 'docs', 'pytorch-names.md');

/** The guides' reading order (file names without `.md`); guides not listed follow, alphabetically. */
export const GUIDE_ORDER = [
  'getting-started',
  'tensors',
  'autograd',
  'nn-module',
  'losses-and-optimizers',
  'data',
  'fashion-mnist',
  'cifar10',
  'saving-and-loading',
  'webgpu',
  'memory',
  'sequence-models',
  'spatial-layers',
  'writing-a-backend',
];

/**
 * dl names whose torch name does not follow the rules: dl path (as in the table: `datasets.decodeJpeg`,
 * `Tensor.at`) → torch spelling. An unqualified key (`noGrad`) also matches a name at the top of
 * @dl/tensor or @dl/autograd. site.test.ts checks every dotted value against torch-names.json.
 */
export const OVERRIDES = {
  'Tensor.at': '`x[...]` (indexing)',
  'Tensor.toArray': 'torch.Tensor.tolist',
  'Tensor.toArraySync': 'torch.Tensor.tolist',
  'Tensor.toAsync': 'torch.Tensor.to',
  'Tensor.toString': '`str(x)`',
  'Tensor.data': 'torch.Tensor.data',
  'Tensor.indexPut_': 'torch.Tensor.index_put_',
  'Tensor.T': 'torch.Tensor.T',
  'Tensor.mT': 'torch.Tensor.mT',
  toArray: 'torch.Tensor.tolist',
  at: '`x[...]` (indexing)',
  fromArray: 'torch.from_numpy',
  backwardAll: 'torch.autograd.backward',
  variance: 'torch.var',
  profile: 'torch.profiler.profile',
  noGrad: 'torch.no_grad',
  enableGrad: 'torch.enable_grad',
  setGradEnabled: 'torch.set_grad_enabled',
  isGradEnabled: 'torch.is_grad_enabled',
  setPrintOptions: 'torch.set_printoptions',
  recordFunction: 'torch.profiler.record_function',
  'datasets.decodeJpeg': 'torchvision.io.decode_jpeg',
  'datasets.decodePng': 'torchvision.io.decode_png',
  'datasets.decodeImage': 'torchvision.io.decode_image',
  'utils.encodePng': 'torchvision.io.encode_png',
  'models.BasicBlock': 'torchvision.models.resnet.BasicBlock',
  'models.Bottleneck': 'torchvision.models.resnet.Bottleneck',
  'nn.NonDynamicallyQuantizableLinear': 'torch.nn.modules.linear.NonDynamicallyQuantizableLinear',
  'Module.zeroGrad': 'torch.nn.Module.zero_grad',
  'Optimizer.zeroGrad': 'torch.optim.Optimizer.zero_grad',
};

/** Members that are Python protocols in torch (dunder methods, which torch-names.json leaves out). */
export const PROTOCOLS = {
  getItem: '`dataset[i]` (`__getitem__`)',
  '[iterator]': '`iter(x)` (`__iter__`)',
  toString: '`repr(x)` (`__repr__`)',
  call: '`module(x)` (`__call__`)',
};

/** dl classes whose torch counterpart has another name in PyTorch 1.13 (members are looked up there). */
export const CLASS_ALIASES = {
  'torch.optim.lr_scheduler.LRScheduler': 'torch.optim.lr_scheduler._LRScheduler',
};

/** camelCase → snake_case as torch spells it: `zeroGrad` → `zero_grad`, `maxPool2d` → `max_pool2d`, `add_` stays. */
export function snakeCase(name) {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

/** The torch modules a dl package's namespace path maps to, most likely first; [] for dl-only packages. */
export function torchModules(pkg, ns) {
  const path = ns.join('.');
  switch (pkg) {
    case '@dl/tensor':
      if (ns[0] === 'backend-api') return [];
      if (ns.length === 0) return ['torch', 'torch.nn.functional', 'torch.random', 'torch.special'];
      return [`torch.${snakeCase(path)}`];
    case '@dl/autograd':
      return ['torch.autograd', 'torch', 'torch.autograd.functional', 'torch.autograd.graph'];
    case '@dl/nn':
      if (ns.length === 0) return ['torch.nn'];
      if (ns[0] === 'F') return ['torch.nn.functional'];
      if (ns[0] === 'init') return ['torch.nn.init'];
      return [['torch', ...ns.map(snakeCase)].join('.')];
    case '@dl/optim':
      return ns.length === 0 ? ['torch.optim'] : ['torch.optim.lr_scheduler'];
    case '@dl/data':
      return ['torch.utils.data'];
    case '@dl/vision':
      return [['torchvision', ...ns.map(snakeCase)].join('.')];
    default:
      return [];
  }
}

/** torch-names.json: a set of dotted module-level names and a class table (own members + bases). */
export function loadTorchNames(file = join(here, 'torch-names.json')) {
  const raw = JSON.parse(readFileSync(file, 'utf8'));
  const names = new Set(raw.names);
  const classes = raw.classes;
  const hasMember = (cls, member, seen = new Set()) => {
    let c = classes[cls];
    if (c?.alias) c = classes[(cls = c.alias)];
    if (!c || seen.has(cls)) return false;
    seen.add(cls);
    return c.own.includes(member) || c.bases.some((b) => hasMember(b, member, seen));
  };
  const has = (dotted) => {
    if (names.has(dotted)) return true;
    const i = dotted.lastIndexOf('.');
    return i > 0 && hasMember(dotted.slice(0, i), dotted.slice(i + 1));
  };
  return { has, hasClass: (c) => c in classes, version: `PyTorch ${raw.torch}, torchvision ${raw.torchvision}` };
}

const VALUE_KINDS =
  ReflectionKind.Function | ReflectionKind.Class | ReflectionKind.Variable | ReflectionKind.Namespace | ReflectionKind.Enum;
const MEMBER_KINDS = ReflectionKind.Method | ReflectionKind.Property | ReflectionKind.Accessor;
const TYPE_KINDS = ReflectionKind.Interface | ReflectionKind.TypeAlias;

/**
 * The torch name of one dl name, or null when torch has none.
 * `entry`: { pkg, ns (namespace path inside the package), owner (class name or null), name, kind }.
 */
export function torchNameOf(entry, torch) {
  const { pkg, ns, owner, name, kind } = entry;
  const path = [...ns, owner, name].filter(Boolean).join('.');
  if (OVERRIDES[path] !== undefined) return OVERRIDES[path];
  const key = owner ? `${owner}.${name}` : name;
  if (OVERRIDES[key] !== undefined && (owner || pkg === '@dl/autograd' || pkg === '@dl/tensor')) return OVERRIDES[key];
  const modules = torchModules(pkg, ns);
  if (modules.length === 0) return null;
  if (owner && PROTOCOLS[name]) return PROTOCOLS[name];
  // dl's functional forms of Tensor methods (`dl.view(x, …)` is `x.view(…)`)
  if (!owner && pkg === '@dl/tensor' && ns.length === 0) modules.push('torch.Tensor');
  const base = name.replace(/(Async|Sync)$/, '');
  // PascalCase is a class or a class-like factory (`nn.Parameter`): its own spelling first (not `torch.nn.parameter`)
  const spellings = [
    ...new Set(/^[A-Z]/.test(name) ? [name, base, snakeCase(name), snakeCase(base)] : [snakeCase(name), snakeCase(base), name, base]),
  ];
  if (owner) {
    const classes = owner === 'Tensor' ? ['torch.Tensor'] : modules.map((m) => CLASS_ALIASES[`${m}.${owner}`] ?? `${m}.${owner}`);
    for (const cls of classes) for (const s of spellings) if (torch.has(`${cls}.${s}`)) return `${cls}.${s}`;
    return null;
  }
  if (kind & ReflectionKind.Namespace) {
    const mods = torchModules(pkg, [...ns, name]);
    return mods.length && torch.has(mods[0]) ? mods[0] : null;
  }
  const own = kind & (ReflectionKind.Class | ReflectionKind.Enum) ? [name] : spellings;
  for (const m of modules) {
    for (const s of own) {
      const alias = CLASS_ALIASES[`${m}.${s}`];
      if (alias && torch.hasClass(alias)) return alias;
      if (torch.has(`${m}.${s}`)) return `${m}.${s}`;
    }
  }
  return null;
}

// Note [Inherited members]
// A class's page shows what it inherits, but a row per inherited member would repeat Module's 30
// methods under each of 150 layers. So an inherited member gets a row under a public class C only
// when no public class between C and the one that declares it has the member already: Tensor's
// `shape` (declared on the unexported TensorBase) under Tensor, ConvNd's `weight` under each of
// nn.Conv1d/Conv2d/Conv3d/ConvTranspose*d (the class a user looks up), Module's `zeroGrad` only
// under Module. TypeDoc's `inheritedFrom` names the direct base only (`ConvNd.zeroGrad`), so the
// chain from C's base up to the declaring class is read from TypeScript while each package is
// converted (`recordInheritance`, keyed by the member's path in the merged project), and checked
// once every package's public classes are known. Members declared outside the project (Array's
// on Size, Error's on DLError) get no row.

/** `file:Class` of every class some package documents (conversion time, all packages). */
const publicClassDecls = new Set();
/** `package member-path` (`@dl/nn nn.Conv2d.weight`) → `file:Class` of the classes from its class's base up to the declaring one; null: declared outside the project. */
const inheritance = new Map();

const classKey = (sym) => {
  const d = sym?.declarations?.[0];
  return d ? `${d.getSourceFile().fileName}:${sym.name}` : null;
};

/** The names from the project down to a reflection (in the merged project the package module comes first). */
function reflNames(refl) {
  const names = [];
  for (let r = refl; r && !r.isProject(); r = r.parent) names.unshift(r.name);
  return names;
}

/** The package (package.json `name`) whose src/ holds a file. */
const packageOfFile = new Map();
function packageOf(fileName) {
  const dir = /^(.*[\\/]packages[\\/][^\\/]+)[\\/]src[\\/]/.exec(fileName)?.[1];
  if (!dir) return null;
  if (!packageOfFile.has(dir)) packageOfFile.set(dir, JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name);
  return packageOfFile.get(dir);
}

/** While a package is converted, for each class member declared on another class: its class chain (Note [Inherited members]). */
function recordInheritance(context, member) {
  const cls = member.parent;
  if (!cls?.kindOf(ReflectionKind.Class) || !member.kindOf(MEMBER_KINDS)) return;
  const clsSym = context.getSymbolFromReflection(cls);
  const decl = context.getSymbolFromReflection(member)?.declarations?.[0];
  // no declaration: a mapped type's key (TensorBase's `[dispose]`); its chain is then every base class
  const owner = decl?.parent?.symbol;
  if (!clsSym || owner === clsSym) return; // only consulted for members TypeDoc marks inherited
  const pkg = packageOf(clsSym.declarations?.[0]?.getSourceFile().fileName ?? '');
  if (!pkg) return;
  const key = `${pkg} ${reflNames(member).join('.')}`;
  if (decl && /[\\/]node_modules[\\/]/.test(decl.getSourceFile().fileName)) {
    inheritance.set(key, null);
    return;
  }
  const { checker } = context;
  const chain = [];
  for (let t = checker.getDeclaredTypeOfSymbol(clsSym), guard = 0; guard < 50; guard++) {
    const target = t.target ?? t;
    if (!(target.objectFlags & 3)) break; // ts.ObjectFlags.Class | Interface: what getBaseTypes takes (not a mixin's intersection)
    const base = checker.getBaseTypes(target)[0];
    if (!base?.symbol) break;
    chain.push(classKey(base.symbol));
    if (base.symbol === owner) break;
    t = base;
  }
  inheritance.set(key, chain);
}

/** Per package, after resolution (`@internal` classes are gone by then): the classes it documents. */
function recordPublicClasses(context) {
  for (const cls of context.project.getReflectionsByKind(ReflectionKind.Class)) {
    const key = classKey(context.getSymbolFromReflection(cls));
    if (key) publicClassDecls.add(key);
  }
}

/** Whether an inherited member gets a row under its class (Note [Inherited members]); unknown: no. */
function ownsInherited(member) {
  const [pkg, ...names] = reflNames(member);
  const chain = inheritance.get(`${pkg} ${names.join('.')}`);
  return !!chain?.length && !chain.some((k) => publicClassDecls.has(k));
}

/** Walk the merged project: every public name with its package, namespace path and class. */
export function publicNames(project) {
  const out = [];
  const visit = (refl, pkg, ns, owner) => {
    for (const child of refl.children ?? []) {
      if (child.kindOf(ReflectionKind.Module)) {
        // @dl/tensor has two entry points: modules `index` (the package itself) and `backend-api`
        const sub = pkg === null ? [] : child.name === 'index' ? ns : [...ns, child.name];
        visit(child, pkg ?? child.name, sub, null);
      } else if (owner === null && child.kindOf(ReflectionKind.Namespace)) {
        out.push({ refl: child, pkg, ns, owner: null, name: child.name, kind: child.kind });
        visit(child, pkg, [...ns, child.name], null);
      } else if (owner === null && child.kindOf(ReflectionKind.Reference)) {
        // a name exported twice (`Module` and `nn.Module`): one row per name, both linking to the page
        const target = child.getTargetReflectionDeep();
        if (target.isDeclaration()) out.push({ refl: target, pkg, ns, owner: null, name: child.name, kind: target.kind, reference: true });
      } else if (owner === null && child.kindOf(VALUE_KINDS | TYPE_KINDS)) {
        out.push({ refl: child, pkg, ns, owner: null, name: child.name, kind: child.kind });
        if (child.kindOf(ReflectionKind.Class)) visit(child, pkg, ns, child.name);
      } else if (owner !== null && child.kindOf(MEMBER_KINDS) && !child.flags.isPrivate) {
        if (child.inheritedFrom && !ownsInherited(child)) continue;
        out.push({ refl: child, pkg, ns, owner, name: child.name, kind: child.kind, inherited: !!child.inheritedFrom });
      }
    }
  };
  visit(project, null, [], null);
  return out;
}

/** How the table and the comment line name a dl entry: `nn.Linear`, `Tensor.add_`, `lrScheduler.StepLR`. */
export const dlPath = (e) => [...e.ns, e.owner, e.name].filter(Boolean).join('.');

const isType = (e) => (e.kind & TYPE_KINDS) !== 0;

/**
 * What the table says when torch has no such name. Properties are checked against the torch
 * class's attributes only: attributes torch sets per instance (`optimizer.param_groups`) are not
 * in torch-names.json, so the table does not claim that torch lacks them.
 */
export function noTorch(e) {
  if (isType(e)) return '— (a type)';
  if (e.owner && e.kind & (ReflectionKind.Property | ReflectionKind.Accessor)) return '— (no class attribute in torch)';
  return 'no torch equivalent';
}

/** The comment that shows on the entry's page: its signature's for functions and methods. */
function pageComment(refl) {
  const sig = refl.signatures?.[0] ?? refl.getSignature;
  if (sig) return (sig.comment ??= new Comment());
  return (refl.comment ??= new Comment());
}

function addPytorchLine(entry) {
  const comment = pageComment(entry.refl);
  const parts = entry.torch
    ? [
        { kind: 'text', text: '\n\nPyTorch: ' },
        { kind: 'code', text: entry.torch.startsWith('`') ? entry.torch : `\`${entry.torch}\`` },
      ]
    : [{ kind: 'text', text: `\n\nPyTorch: ${noTorch(entry).replace(/^— \((.*)\)$/, '$1')}.` }];
  comment.summary.push(...parts);
}

const linkTo = (refl, text) => ({ kind: 'inline-tag', tag: '@link', text, target: refl });

/** The table's content: one section per package, a row per public name. */
function tableParts(entries, torchVersion) {
  const parts = [
    {
      kind: 'text',
      text:
        `\n\n## Every public name\n\nGenerated from the code by \`docs/typedoc/pytorch-names.mjs\` (Note [PyTorch names]), ` +
        `checked against ${torchVersion}: ${entries.length} names, ` +
        `${entries.filter((e) => e.torch).length} with a torch counterpart. Types and interfaces have none (Python has no ` +
        'such declarations); "no torch equivalent" marks what only dl has.\n',
    },
  ];
  let section = '';
  for (const e of entries) {
    if (e.pkg !== section) {
      section = e.pkg;
      parts.push({ kind: 'text', text: `\n### ${section}\n\n| dl | PyTorch |\n| --- | --- |\n` });
    }
    const torch = e.torch ? (e.torch.startsWith('`') ? e.torch : `\`${e.torch}\``) : noTorch(e);
    parts.push({ kind: 'text', text: '| ' }, linkTo(e.refl, dlPath(e)), { kind: 'text', text: ` | ${torch} |\n` });
  }
  return parts;
}

/** The text of a document's first `# heading`, if any. */
function firstHeading(doc) {
  const text = doc.content.map((p) => p.text).join('');
  return /^#\s+(.+)$/m.exec(text)?.[1]?.replace(/`/g, '').trim();
}

/** Page paths (without `.html`) of the site's documents: `guides/getting-started`, `pytorch-names`. */
const pagePaths = new WeakMap();

/** The `kind` router, except that documents get short, stable paths (typedoc.json `"router": "dl"`). */
class DlRouter extends KindRouter {
  getIdealBaseName(reflection) {
    return pagePaths.get(reflection) ?? super.getIdealBaseName(reflection);
  }
}

/** @param {Application} app */
export function load(app) {
  app.renderer.defineRouter('dl', DlRouter);

  // Per package, before validation: `_underscore` members are implementation details.
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const project = context.project;
    const hidden = Object.values(project.reflections).filter((r) => r.isDeclaration() && /^_[^_]/.test(r.name));
    for (const r of hidden) if (project.getReflectionById(r.id)) project.removeReflection(r);
  });
  app.converter.on(Converter.EVENT_CREATE_DECLARATION, recordInheritance);
  app.converter.on(Converter.EVENT_RESOLVE_END, recordPublicClasses);

  const torch = loadTorchNames();
  /** entries of the merged project, kept for the search index */
  let entries = [];

  app.on(Application.EVENT_PROJECT_REVIVE, (project) => {
    entries = publicNames(project);
    for (const e of entries) {
      e.torch = isType(e) ? null : torchNameOf(e, torch);
      if (!isType(e) && !e.reference) addPytorchLine(e);
    }
    addPlayground(app, project);
    const docs = project.documents ?? [];
    const table = docs.find((d) => project.files.getReflectionPath(d) === TABLE_PAGE);
    if (table) {
      table.name = firstHeading(table) ?? table.name;
      table.content.push(...tableParts(entries, torch.version));
      pagePaths.set(table, 'pytorch-names');
    } else app.logger.warn(`pytorch-names: ${TABLE_PAGE} is not among typedoc.json's projectDocuments`);
    organizeDocuments(project);
  });

  app.renderer.on(IndexEvent.PREPARE_INDEX, (event) => {
    const byRefl = new Map(entries.filter((e) => !e.reference).map((e) => [e.refl, e.torch]));
    event.searchFieldWeights.torch = 5;
    event.searchResults.forEach((refl, i) => {
      const t = byRefl.get(refl);
      if (t && !t.startsWith('`')) event.searchFields[i].torch = `${t} ${t.split('.').pop()}`;
    });
  });
}

/** Guides under one "Guides" page in reading order; the table and the playground after them. */
function organizeDocuments(project) {
  const docs = project.documents ?? [];
  const guidesDir = join(repoRoot, 'docs', 'guides');
  const fileOf = (d) => project.files.getReflectionPath(d) ?? null;
  const slugOf = new Map();
  for (const d of docs) {
    const file = fileOf(d) ?? '';
    if (file.startsWith(guidesDir)) slugOf.set(d, basename(file, '.md'));
  }
  const guides = docs.filter((d) => slugOf.has(d));
  const rank = (d) => {
    const i = GUIDE_ORDER.indexOf(slugOf.get(d));
    return i === -1 ? GUIDE_ORDER.length : i;
  };
  guides.sort((a, b) => rank(a) - rank(b) || slugOf.get(a).localeCompare(slugOf.get(b)));
  for (const g of guides) {
    g.name = firstHeading(g) ?? g.name;
    pagePaths.set(g, `guides/${slugOf.get(g)}`);
  }

  const list = guides.flatMap((g) => [{ kind: 'text', text: '- ' }, linkTo(g, g.name), { kind: 'text', text: '\n' }]);
  const index = new DocumentReflection(
    'Guides',
    project,
    [
      {
        kind: 'text',
        text:
          "# Guides\n\nTutorials in the order of PyTorch's own, each a runnable TypeScript program: every `ts` block " +
          "of a guide is run by `pnpm test` and its printed output compared with the page's `text` blocks.\n\n",
      },
      ...list,
    ],
    {},
  );
  project.registerReflection(index, undefined, undefined);
  pagePaths.set(index, 'guides');
  for (const g of guides) {
    g.parent = index;
    index.addChild(g);
  }
  const rest = docs.filter((d) => !slugOf.has(d));
  project.documents = [index, ...rest];
  project.childrenIncludingDocuments = [index, ...rest, ...(project.childrenIncludingDocuments ?? []).filter((c) => !c.isDocument())];
}

/** The playground's README as a page (apps/playground/README.md, when it exists). */
function addPlayground(app, project) {
  const file = join(repoRoot, 'apps', 'playground', 'README.md');
  const known = (project.documents ?? []).some((d) => project.files.getReflectionPath(d) === file);
  if (!existsSync(file) || known) return;
  app.converter.addDocument(project, new MinimalSourceFile(readFileSync(file, 'utf8'), file), 'Playground');
  const doc = project.documents.at(-1);
  if (doc) pagePaths.set(doc, 'playground');
}
