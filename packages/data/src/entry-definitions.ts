/**
 * Note [Classes of the script that was run]
 * A tutorial ported line by line defines its Dataset class in the script it runs, with the
 * training loop below it at top level and no `isMainThread` guard. PyTorch on Linux forks, so
 * its workers never run that script; a worker thread here must get the class from source.
 * Importing the script would run the training loop again in every worker, so a worker imports
 * a *definitions-only* version of it instead: a module loader hook (registered in the worker
 * only) loads the script as Node would (through tsx for TypeScript), keeps its top-level
 * imports, class and function declarations, and variable declarations whose initialisers run
 * nothing (literals, names, `a.b` paths, `import.meta`, function expressions), and drops every other
 * statement — expression statements, loops, `await`s, declarations that call or construct
 * anything (`const data = new MNIST(…)`). It then exports the dataset's class under an alias.
 * So the script's own code (loading data, training, printing) never runs in a worker. If the
 * class uses a dropped name, the worker raises a ReferenceError whose message says to move the
 * class into a module of its own.
 */

/**
 * The query parameter marking a definitions-only import of a script
 * (Note [Classes of the script that was run]).
 */
export const DEFINITIONS_MARK = 'dl-worker-definitions';

/** The name a definitions-only module exports class `name` under. */
export const definitionsAlias = (name: string): string => `__dlWorkerClass_${name}`;

/**
 * `definitionsOnly(source, classNames)`: the top-level imports and side-effect-free
 * declarations of the ES module `source`, then `export { C as __dlWorkerClass_C }` for each
 * class name. Written as plain JavaScript in a string because it also runs inside the loader
 * hook (a `data:` module on the hooks thread); {@link definitionsOnly} evaluates it here.
 */
const DEFINITIONS_ONLY_JS = String.raw`
function definitionsOnly(src, names) {
  const n = src.length;
  const stmts = [];
  let i = 0;
  const isId = (c) => /[A-Za-z0-9_$\u0080-\uffff]/.test(c);
  const skipWs = (k) => {
    for (;;) {
      while (k < n && /\s/.test(src[k])) k++;
      if (src.startsWith('//', k)) { while (k < n && src[k] !== '\n') k++; continue; }
      if (src.startsWith('/*', k)) { const e = src.indexOf('*/', k + 2); k = e < 0 ? n : e + 2; continue; }
      return k;
    }
  };
  const word = (k) => { let e = k; while (e < n && isId(src[e])) e++; return src.slice(k, e); };
  const regexAfter = (prev) => prev === '' || /[(,=:[!&|?{};+\-*%<>~^]$/.test(prev) || /(^|[^\w$])(return|typeof|instanceof|in|of|new|delete|void|throw|case|do|else|yield|await)$/.test(prev);
  function skipString(k, q) { k++; while (k < n && src[k] !== q) { if (src[k] === '\\') k++; k++; } return k + 1; }
  function skipRegex(k) { k++; let cls = false; while (k < n) { const c = src[k]; if (c === '\\') { k += 2; continue; } if (c === '[') cls = true; else if (c === ']') cls = false; else if (c === '/' && !cls) break; else if (c === '\n') break; k++; } k++; while (k < n && isId(src[k])) k++; return k; }
  function skipTemplate(k) {
    k++;
    while (k < n && src[k] !== '${"`"}') {
      if (src[k] === '\\') { k += 2; continue; }
      if (src[k] === '$' && src[k + 1] === '{') { k = skipBalanced(k + 1, '}'); continue; }
      k++;
    }
    return k + 1;
  }
  // from an opening bracket at k, past its matching closer
  function skipBalanced(k, _closer) {
    let depth = 0;
    let prev = '';
    while (k < n) {
      const c = src[k];
      if (c === '"' || c === "'") { k = skipString(k, c); prev = 'x'; continue; }
      if (c === '${"`"}') { k = skipTemplate(k); prev = 'x'; continue; }
      if (src.startsWith('//', k) || src.startsWith('/*', k)) { k = skipWs(k); continue; }
      if (c === '/' ) { if (regexAfter(prev)) { k = skipRegex(k); prev = 'x'; continue; } }
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') { depth--; if (depth === 0) return k + 1; }
      if (!/\s/.test(c)) prev = isId(c) ? (prev.endsWith(' ') ? '' : prev) + c : c;
      k++;
    }
    return n;
  }
  // one top-level statement from k: [end, kind]
  function statement(k) {
    let j = k;
    let w = word(j);
    let lead = '';
    if (w === 'export') { j = skipWs(j + 6); w = word(j); lead = 'export '; if (w === 'default') { j = skipWs(j + 7); w = word(j); lead += 'default '; } }
    if (w === 'async') { const a = skipWs(j + 5); if (word(a) === 'function') { j = a; w = 'function'; } }
    if (w === 'abstract') { j = skipWs(j + 8); w = word(j); }
    if (w === 'class' || w === 'function') {
      // the declaration ends with its body's closing brace: the first '{' at depth 0
      let m = j;
      let prev = '';
      let depth = 0;
      while (m < n) {
        const c = src[m];
        if (c === '"' || c === "'") { m = skipString(m, c); continue; }
        if (c === '${"`"}') { m = skipTemplate(m); continue; }
        if (c === '(' || c === '[') depth++;
        else if (c === ')' || c === ']') depth--;
        else if (c === '{' && depth === 0) { const e = skipBalanced(m, '}'); return [e, lead + w]; }
        else if (c === '{') { m = skipBalanced(m, '}'); continue; }
        m++;
      }
      return [n, lead + w];
    }
    // anything else ends at ';' at depth 0, or at a newline at depth 0 that ends the statement (ASI)
    let m = k;
    let prev = '';
    while (m < n) {
      const c = src[m];
      if (c === ';') return [m + 1, lead + w];
      if (c === '"' || c === "'") { m = skipString(m, c); prev = 'x'; continue; }
      if (c === '${"`"}') { m = skipTemplate(m); prev = 'x'; continue; }
      if (src.startsWith('//', m) || src.startsWith('/*', m)) {
        const e = skipWs(m);
        if (src.slice(m, e).includes('\n') && asiBreak(prev, e)) return [m, lead + w];
        m = e;
        continue;
      }
      if (c === '/' && regexAfter(prev)) { m = skipRegex(m); prev = 'x'; continue; }
      if (c === '(' || c === '[' || c === '{') { m = skipBalanced(m, ''); prev = ')'; continue; }
      if (c === '}' || c === ')' || c === ']') return [m, lead + w];
      if (c === '\n') { const e = skipWs(m); if (asiBreak(prev, e)) return [m, lead + w]; m = e; continue; }
      if (!/\s/.test(c)) prev = c;
      m++;
    }
    return [n, lead + w];
  }
  // a newline ends a statement unless the line before ends in an operator or the next begins with one
  function asiBreak(prev, next) {
    if (next >= n) return true;
    if (/[=+\-*/%&|^<>!?:,.([{]$/.test(prev)) return false;
    const c = src[next];
    if (/[.,?:+\-*/%&|^<>=)\]}[(]/.test(c) && !src.startsWith('++', next) && !src.startsWith('--', next)) return false;
    return true;
  }
  for (;;) {
    i = skipWs(i);
    if (i >= n) break;
    if (src[i] === ';') { i++; continue; }
    const [end, kind] = statement(i);
    stmts.push({ text: src.slice(i, end), kind });
    i = Math.max(end, i + 1);
  }
  const pure = (init) => {
    const t = init.trim();
    if (/^(async\s*)?(function\b|\([^()]*\)\s*=>|[\w$]+\s*=>)|^class\b/.test(t)) return true; // a function or class expression: its body does not run
    if (/\b(await|new|yield)\b|\bimport\s*\(/.test(t) || /[\w$)\]]\s*\(/.test(t.replace(/(["'])(?:\\.|(?!\1).)*\1/g, '""'))) return false;
    return true;
  };
  const keep = (s) => {
    const k = s.kind.replace(/^export (default )?/, '');
    if (k === 'import') return !/^import\s*[(.]/.test(s.text);
    if (k === 'class' || k === 'function') return true;
    if (k === 'const' || k === 'let' || k === 'var') {
      const body = s.text.replace(/^export\s+/, '').replace(/^(const|let|var)\s+/, '');
      const eq = body.indexOf('=');
      return eq < 0 || pure(body.slice(eq + 1));
    }
    return false;
  };
  const out = stmts.filter(keep).map((s) => (s.kind.startsWith('export default ') ? s.text.replace(/^export\s+default\s+/, '') : s.text.replace(/^export\s+(?!\{)/, '')));
  return out.join('\n') + '\nexport { ' + names.map((x) => x + ' as __dlWorkerClass_' + x).join(', ') + ' };\n';
}`;

/**
 * The definitions-only version of the ES module `source` exporting `classNames` under
 * {@link definitionsAlias} (Note [Classes of the script that was run]).
 *
 * @example
 * definitionsOnly('import * as dl from "x"; class A {} train(); const n = 3;', ['A']);
 * // 'import * as dl from "x";\nclass A {}\nconst n = 3;\nexport { A as __dlWorkerClass_A };\n'
 */
export function definitionsOnly(source: string, classNames: readonly string[]): string {
  return (new Function(`${DEFINITIONS_ONLY_JS}; return definitionsOnly;`)() as (s: string, n: readonly string[]) => string)(source, classNames);
}

/**
 * The loader hook module (a `data:` URL for `module.register`): for a URL carrying
 * {@link DEFINITIONS_MARK}=A,B it loads the URL without the mark as Node would (through
 * tsx for TypeScript) and returns its definitions-only version exporting A and B.
 */
export function definitionsHookUrl(): string {
  const code = `${DEFINITIONS_ONLY_JS}
export async function load(url, context, nextLoad) {
  const u = new URL(url);
  const names = u.searchParams.get(${JSON.stringify(DEFINITIONS_MARK)});
  if (names === null) return nextLoad(url, context);
  u.searchParams.delete(${JSON.stringify(DEFINITIONS_MARK)});
  const r = await nextLoad(u.href, context);
  if (r.format !== 'module') throw new Error('DataLoader worker: ' + u.href + ' is not an ES module (format ' + r.format + '), so its classes cannot be loaded without running it; move the dataset class into an ES module of its own');
  const src = typeof r.source === 'string' ? r.source : new TextDecoder().decode(r.source);
  return { format: 'module', source: definitionsOnly(src, names.split(',')), shortCircuit: true };
}`;
  return `data:text/javascript,${encodeURIComponent(code)}`;
}
