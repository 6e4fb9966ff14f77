/**
 * Note [Classes of the script that was run]
 * A tutorial ported line by line defines its Dataset class in the script it runs, with the
 * training loop below it at top level and no `isMainThread` guard. PyTorch on Linux forks, so
 * its workers never run that script; a worker thread here must get the class from source.
 * Importing the script would run the training loop again in every worker, so a worker imports
 * a *definitions-only* version of it instead: a module loader hook (registered in the worker
 * only) loads the script as Node would (through tsx for TypeScript), keeps its top-level
 * imports, function declarations, class declarations that run nothing as they are defined, and
 * the declarators (each one of `const a = …, b = …` on its own) whose initialisers run nothing
 * (literals, names, `a.b` paths, `import.meta`, function, arrow and class expressions with
 * nothing after them), and drops every other statement — expression statements, loops,
 * `await`s, declarators that call, construct or tag a template (`const data = new MNIST(…)`,
 * `` const t = sql`…` ``). It then exports the dataset's class under an alias. So the script's
 * own code (loading data, training, printing) never runs in a worker. If the class uses a
 * dropped name, the worker raises a ReferenceError whose message says to move the class into a
 * module of its own.
 *
 * A class runs code as it is defined in its `extends` clause, computed member names, static
 * field initialisers and `static {}` blocks. Safety first: a class whose definition calls
 * anything there is dropped too, and if it is the dataset's class the definitions-only module
 * throws a ReferenceError saying so (with the same advice). The one call allowed is tsx's own:
 * with esbuild's `__name` helper declared (keepNames), `static{__name(this,"C")}` and
 * `const f = __name(() => …, "f")` only name a class or function.
 *
 * The scan is conservative, not a parser: anything that looks like a call (an object literal's
 * method shorthand, `typeof (x)`) drops its declarator. It does not see getters or proxies run by
 * `a.b` paths or destructuring. A declarator or class that names one dropped before it
 * (`const n = data.length` after `const data = load()`) is dropped too, as it would throw in the
 * worker; names bound by a dropped destructuring pattern are not tracked.
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
    while (k < n && src[k] !== '${'`'}') {
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
      if (c === '${'`'}') { k = skipTemplate(k); prev = 'x'; continue; }
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
        if (c === '${'`'}') { m = skipTemplate(m); continue; }
        if (c === '(' || c === '[') depth++;
        else if (c === ')' || c === ']') depth--;
        else if (c === '{' && depth === 0) { const e = skipBalanced(m, '}'); return [e, lead + w]; }
        else if (c === '{') { m = skipBalanced(m, '}'); continue; }
        m++;
      }
      return [n, lead + w];
    }
    // anything else ends at ';' at depth 0, or at a newline at depth 0 that ends the statement (ASI)
    const m = exprEnd(k);
    return [src[m] === ';' ? m + 1 : m, lead + w];
  }
  // from k, the index of what ends the statement or class field there: ';' or a closing bracket
  // at depth 0, a newline that ends it (ASI), or n
  function exprEnd(k) {
    let m = k;
    let prev = '';
    while (m < n) {
      const c = src[m];
      if (c === ';') return m;
      if (c === '"' || c === "'") { m = skipString(m, c); prev = 'x'; continue; }
      if (c === '${'`'}') { m = skipTemplate(m); prev = 'x'; continue; }
      if (src.startsWith('//', m) || src.startsWith('/*', m)) {
        const e = skipWs(m);
        if (src.slice(m, e).includes('\n') && asiBreak(prev, e)) return m;
        m = e;
        continue;
      }
      if (c === '/' && regexAfter(prev)) { m = skipRegex(m); prev = 'x'; continue; }
      if (c === '(' || c === '[' || c === '{') { m = skipBalanced(m, ''); prev = ')'; continue; }
      if (c === '}' || c === ')' || c === ']') return m;
      if (c === '\n') { const e = skipWs(m); if (asiBreak(prev, e)) return m; m = e; continue; }
      if (!/\s/.test(c)) prev = c;
      m++;
    }
    return n;
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
    stmts.push({ text: src.slice(i, end), kind, start: i, end });
    i = Math.max(end, i + 1);
  }
  // Note [Classes of the script that was run]: what runs code as it is evaluated.
  const BT = '${'`'}';
  // tsx (esbuild keepNames) wraps function expressions in __name(fn, "f") and puts
  // static{__name(this,"C")} in classes; with its helper declared, those run nothing of the user's
  const esbuildName = /(^|[;\n])\s*var __name\s*=\s*\(target,\s*value\)\s*=>\s*__defProp\(target,\s*"name",\s*\{\s*value,\s*configurable:\s*true\s*\}\)/.test(src);
  // the depth-0 indexes of the character ch in [a, e)
  function topLevel(a, e, ch) {
    const at = [];
    let k = a;
    let prev = '';
    while (k < e) {
      const c = src[k];
      if (c === '"' || c === "'") { k = skipString(k, c); prev = 'x'; continue; }
      if (c === BT) { k = skipTemplate(k); prev = 'x'; continue; }
      if (src.startsWith('//', k) || src.startsWith('/*', k)) { k = skipWs(k); continue; }
      if (c === '/' && regexAfter(prev)) { k = skipRegex(k); prev = 'x'; continue; }
      if (c === '(' || c === '[' || c === '{') { k = skipBalanced(k, ''); prev = ')'; continue; }
      if (c === ch) at.push(k);
      if (!/\s/.test(c)) prev = isId(c) ? prev + c : c;
      k++;
    }
    return at;
  }
  // whether [a, e) runs nothing: no call, tagged template, new, await or yield (a method
  // shorthand or a function inside counts as a call: conservative), and names nothing dropped
  // before it (const n = data.length, after const data = load(), would throw in the worker)
  function callFree(a, e) {
    let k = a;
    let prev = '';
    while (k < e) {
      const c = src[k];
      if (c === '"' || c === "'") { k = skipString(k, c); prev = 'x'; continue; }
      if (src.startsWith('//', k) || src.startsWith('/*', k) || /\s/.test(c)) { k = Math.max(skipWs(k), k + 1); if (/[\w$]$/.test(prev)) prev += ' '; continue; }
      if (c === BT) {
        if (/[\w$)\]]\s*$/.test(prev)) return false; // a tagged template calls its tag
        k++;
        while (k < e && src[k] !== BT) {
          if (src[k] === '\\') { k += 2; continue; }
          if (src[k] === '$' && src[k + 1] === '{') { const f = skipBalanced(k + 1, '}'); if (!callFree(k + 2, f - 1)) return false; k = f; continue; }
          k++;
        }
        k++;
        prev = 'x';
        continue;
      }
      if (c === '/' && regexAfter(prev.trimEnd())) { k = skipRegex(k); prev = 'x'; continue; }
      if (c === '(' && /[\w$)\]]\s*$/.test(prev)) return false;
      if (isId(c)) {
        const w = word(k);
        if (w === 'new' || w === 'await' || w === 'yield') return false;
        if (dropped.has(w) && !/\.$/.test(prev.trimEnd())) return false; // a dropped name would be undefined
        prev = prev.trimEnd() + (/[\w$]$/.test(prev) ? ' ' : '') + w;
        k += w.length;
        continue;
      }
      prev = c;
      k++;
    }
    return true;
  }
  // from k, the body of a function or class: [index of its '{', index past its '}'], or [-1, e]
  function bodyAt(k, e) {
    while (k < e) {
      const c = src[k];
      if (c === '"' || c === "'") { k = skipString(k, c); continue; }
      if (c === BT) { k = skipTemplate(k); continue; }
      if (src.startsWith('//', k) || src.startsWith('/*', k)) { k = skipWs(k); continue; }
      if (c === '(' || c === '[') { k = skipBalanced(k, ''); continue; }
      if (c === '{') return [k, skipBalanced(k, '}')];
      k++;
    }
    return [-1, e];
  }
  // whether the class at k (the word class) with body [b, end) runs nothing as it is defined:
  // its extends clause, computed member names, static field initialisers and static blocks run then
  function classPure(k, b, end) {
    if (!callFree(k + 5, b)) return false;
    let m = skipWs(b + 1);
    const last = end - 1;
    while (m < last) {
      if (src[m] === ';') { m = skipWs(m + 1); continue; }
      const start = m;
      if (word(m) === 'static' && src[skipWs(m + 6)] === '{') {
        const j = skipWs(m + 6);
        const f = skipBalanced(j, '}');
        if (!(esbuildName && /^\s*__name\(this,\s*"[\w$]*"\);?\s*$/.test(src.slice(j + 1, f - 1)))) return false;
        m = skipWs(f);
        continue;
      }
      let isStatic = false;
      // a modifier is a word followed by more of the member; otherwise the word is its name
      for (;;) {
        if (src[m] === '*') { m = skipWs(m + 1); continue; }
        const w = word(m);
        if (!/^(static|async|get|set|accessor)$/.test(w)) break;
        const j = skipWs(m + w.length);
        if (!(isId(src[j]) || '[#"\'*'.includes(src[j]))) break;
        if (w === 'static') isStatic = true;
        m = j;
      }
      if (src[m] === '[') { const f = skipBalanced(m, ']'); if (!callFree(m + 1, f - 1)) return false; m = f; }
      else if (src[m] === '"' || src[m] === "'") m = skipString(m, src[m]);
      else { if (src[m] === '#') m++; const w = word(m); if (!w) return false; m += w.length; }
      m = skipWs(m);
      if (src[m] === '(') {
        const f = skipWs(skipBalanced(m, ')'));
        if (src[f] !== '{') return false;
        m = skipWs(skipBalanced(f, '}'));
        continue;
      }
      if (src[m] === '=') {
        const f = exprEnd(m + 1);
        if (isStatic && !initPure(m + 1, f)) return false;
        m = f;
      }
      if (src[m] === ';') m++;
      m = skipWs(m);
      if (m === start) return false;
    }
    return true;
  }
  // if [a, e) starts with a function, arrow or class expression: where it ends (e for an arrow,
  // whose body runs only when called); -2 for a class that runs code as it is defined; else -1
  function fnExprEnd(a, e) {
    let k = skipWs(a);
    let w = word(k);
    if (w === 'async') { const j = skipWs(k + 5); if (j < e && (word(j) === 'function' || src[j] === '(' || isId(src[j]))) { k = j; w = word(k); } }
    if (w === 'function' || w === 'class') {
      const [b, end] = bodyAt(k + w.length, e);
      if (b < 0) return -1;
      if (w === 'class' && !classPure(k, b, end)) return -2;
      return end;
    }
    let j;
    if (src[k] === '(') j = skipBalanced(k, ')');
    else if (w !== '' && !/^[0-9]/.test(w)) j = k + w.length;
    else return -1;
    j = skipWs(j);
    return src.startsWith('=>', j) ? e : -1;
  }
  // whether the initialiser [a, e) runs nothing
  function initPure(a, e) {
    const k = skipWs(a);
    if (k >= e) return true;
    const f = fnExprEnd(k, e);
    if (f === -2) return false;
    if (f >= 0) return skipWs(f) >= e; // anything after it (function(){}(), class{}.x) may run it
    if (esbuildName && src.startsWith('__name(', k)) {
      const close = skipBalanced(k + 6, ')');
      const commas = topLevel(k + 7, close - 1, ',');
      if (skipWs(close) >= e && commas.length === 1 && /^\s*"[^"\\]*"\s*$/.test(src.slice(commas[0] + 1, close - 1))) {
        const g = fnExprEnd(k + 7, commas[0]);
        if (g >= 0 && skipWs(g) >= commas[0]) return true;
      }
    }
    return callFree(k, e);
  }
  const dropped = new Set();
  // the statement s as the definitions-only module keeps it, or null
  const keep = (s) => {
    const k = s.kind.replace(/^export (default )?/, '');
    if (k === 'import') return /^import\s*[(.]/.test(s.text) ? null : s.text;
    if (k === 'function') return s.text;
    if (k === 'class') {
      const at = s.start + s.text.search(/\bclass\b/);
      const [b, end] = bodyAt(at + 5, s.end);
      if (b >= 0 && classPure(at, b, end)) return s.text;
      dropped.add(word(skipWs(at + 5)));
      return null;
    }
    if (k === 'const' || k === 'let' || k === 'var') {
      // each declarator on its own: const f = (x) => x, data = load() keeps f only
      const at = s.start + s.text.search(/\b(const|let|var)\b/) + k.length;
      const stop = src[s.end - 1] === ';' ? s.end - 1 : s.end;
      const cuts = [at - 1, ...topLevel(at, stop, ','), stop];
      const kept = [];
      for (let d = 0; d + 1 < cuts.length; d++) {
        const a = cuts[d] + 1;
        const e = cuts[d + 1];
        const eq = topLevel(a, e, '=')[0];
        if (callFree(a, eq === undefined ? e : eq) && (eq === undefined || initPure(eq + 1, e))) kept.push(src.slice(a, e).trim());
        else dropped.add(word(skipWs(a)));
      }
      if (kept.length === cuts.length - 1) return s.text;
      return kept.length > 0 ? k + ' ' + kept.join(', ') + ';' : null;
    }
    return null;
  };
  const out = [];
  for (const s of stmts) {
    const t = keep(s);
    if (t !== null) out.push(s.kind.startsWith('export default ') ? t.replace(/^export\s+default\s+/, '') : t.replace(/^export\s+(?!\{)/, ''));
  }
  // a class dropped for running code as it is defined: importing its definitions says so
  for (const x of names.filter((x) => dropped.has(x))) {
    out.push('throw new ReferenceError(' + JSON.stringify(x + ' is not defined in DataLoader workers: its declaration runs code as it is evaluated (a call, new, a tagged template, or a static block, static field, computed member name or extends clause that calls something) or uses a value that does, and workers never run that code') + ');');
  }
  const ok = names.filter((x) => !dropped.has(x));
  return out.join('\n') + '\nexport { ' + ok.map((x) => x + ' as __dlWorkerClass_' + x).join(', ') + ' };\n';
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
  return (new Function(`${DEFINITIONS_ONLY_JS}; return definitionsOnly;`)() as (s: string, n: readonly string[]) => string)(
    source,
    classNames,
  );
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
