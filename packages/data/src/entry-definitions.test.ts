import { describe, expect, it } from 'vitest';
import { definitionsOnly } from './entry-definitions.js';

const tail = (names: string) => `export { ${names} };\n`;

describe('definitionsOnly (Note [Classes of the script that was run])', () => {
  it('keeps imports and declarations that run nothing, drops every other statement (minified tsx output)', () => {
    const src =
      'var __defProp=Object.defineProperty;var __name=(target,value)=>__defProp(target,"name",{value,configurable:true});' +
      'import*as dl from"@dl/tensor";import{Dataset}from"@dl/data";import"@dl/backend-cpu";const K=3;' +
      'appendFileSync(process.env.F,"run\\n");const data=new MNIST({root:"x"});const t=await load();' +
      'class Foo extends Dataset{static{__name(this,"Foo")}table=new Map;get length(){return 2}getItem(i){return i*K/2+/a}b/.exec("x").length+`${"}"}`.length}}' +
      'var Color=(Color2=>{Color2[Color2["Red"]=0]="Red";return Color2})(Color||{});' +
      'for(const b of loader){train(b)}if(x){y()}export{K};\n//# sourceMappingURL=data:application/json;base64,eyJ2';
    expect(definitionsOnly(src, ['Foo'])).toBe(
      [
        'var __defProp=Object.defineProperty;',
        'var __name=(target,value)=>__defProp(target,"name",{value,configurable:true});',
        'import*as dl from"@dl/tensor";',
        'import{Dataset}from"@dl/data";',
        'import"@dl/backend-cpu";',
        'const K=3;',
        'class Foo extends Dataset{static{__name(this,"Foo")}table=new Map;get length(){return 2}getItem(i){return i*K/2+/a}b/.exec("x").length+`${"}"}`.length}}',
        tail('Foo as __dlWorkerClass_Foo'),
      ].join('\n'),
    );
  });

  it('splits hand-written JavaScript without semicolons (ASI), with comments, strings and multi-line expressions', () => {
    const src = `import * as dl from '@dl/tensor'
// a comment with a } brace
import { Dataset } from '@dl/data'
console.log('start }')
const batch = 64
const tf = (x) => x.mul(2)
const data = new MNIST({ root })
const sum = data
  .map((x) => x)
/* block { comment */
export class Bar extends Dataset {
  get length() { return 3 }
  getItem(i) { return helper(i) + \`\${batch}}\`.length }
}
export default function helper(i) {
  return i + batch
}
export const names = ['a', "b}"]
let total = 0
for (const b of loader) {
  total += b
}
abstract()
`;
    expect(definitionsOnly(src, ['Bar'])).toBe(
      [
        "import * as dl from '@dl/tensor'",
        "import { Dataset } from '@dl/data'",
        'const batch = 64',
        'const tf = (x) => x.mul(2)',
        'class Bar extends Dataset {\n  get length() { return 3 }\n  getItem(i) { return helper(i) + `${batch}}`.length }\n}',
        'function helper(i) {\n  return i + batch\n}',
        'const names = [\'a\', "b}"]',
        'let total = 0',
        tail('Bar as __dlWorkerClass_Bar'),
      ].join('\n'),
    );
  });

  it('keeps async and generator functions and import.meta, drops dynamic imports', () => {
    const src =
      'async function f(){await g()}function* gen(){yield 1}const u=import.meta.url;const m=import("x");const r=/[/]}/g;class A{}const B=class extends A{get(i){return f(i)}};';
    expect(definitionsOnly(src, ['A', 'B'])).toBe(
      [
        'async function f(){await g()}',
        'function* gen(){yield 1}',
        'const u=import.meta.url;',
        'const r=/[/]}/g;',
        'class A{}',
        'const B=class extends A{get(i){return f(i)}};',
        tail('A as __dlWorkerClass_A, B as __dlWorkerClass_B'),
      ].join('\n'),
    );
  });
});

describe('definitionsOnly runs none of the code the script runs at top level', () => {
  it('checks every declarator of a declaration, not only the first: keeps the ones that run nothing', () => {
    expect(definitionsOnly("const f = (x) => x, data = console.log('RUNS')\nclass A {}", ['A'])).toBe(
      ['const f = (x) => x;', 'class A {}', tail('A as __dlWorkerClass_A')].join('\n'),
    );
    expect(definitionsOnly('const k = class {}, z = main();class A {}', ['A'])).toBe(
      ['const k = class {};', 'class A {}', tail('A as __dlWorkerClass_A')].join('\n'),
    );
    expect(definitionsOnly('export const fmt = (x) => x, net = new Net()\nlet a = 1, b = [2, f()], c = { d: 3 }, e', [])).toBe(
      ['const fmt = (x) => x;', 'let a = 1, c = { d: 3 }, e;', tail('')].join('\n'),
    );
    // commas inside brackets, strings, templates and regexes do not split; a default in a pattern runs
    const src = 'const a = [1, f()], b = "x, y()", c = `p, ${q}`, d = /,g()/g, { e = g() } = o, [h, i] = arr, j = { k: 1, l: m };';
    expect(definitionsOnly(src, [])).toBe(
      ['const b = "x, y()", c = `p, ${q}`, d = /,g()/g, [h, i] = arr, j = { k: 1, l: m };', tail('')].join('\n'),
    );
  });

  it('keeps a function or class expression only when nothing follows it (function(){}() runs it)', () => {
    const src =
      'const r = function () { return main() }(), s = function () { return main() }, t = class { m() { main() } }.name, u = async (x) => main(x), v = x => x, w = async function* () {};';
    expect(definitionsOnly(src, [])).toBe(
      ['const s = function () { return main() }, u = async (x) => main(x), v = x => x, w = async function* () {};', tail('')].join('\n'),
    );
  });

  it('treats a tagged template as the call it is', () => {
    const src =
      'const a = tag`x`;const b = x.y `z`;const c = f()`z`;const d = `${run()}`;const e = `plain ${x.y} "it\'s"`;const g = "`" + x;';
    expect(definitionsOnly(src, [])).toBe(['const e = `plain ${x.y} "it\'s"`;', 'const g = "`" + x;', tail('')].join('\n'));
  });

  it('keeps tsx output that only names functions and classes (__name), drops what calls anything else', () => {
    const src =
      'var __defProp=Object.defineProperty;var __name=(target,value)=>__defProp(target,"name",{value,configurable:true});' +
      'const f=__name(x=>x*2,"f"),data=console.log("RUNS");const k=class{static{__name(this,"k")}},z=main();const h=__name(function(){return run()},"h");' +
      'const bad=__name(x=>x,run());function g(){}__name(g,"g");class A{static{__name(this,"A")}static n=3;static sq=__name(x=>x*x,"sq");m(){return f(1)}}';
    expect(definitionsOnly(src, ['A'])).toBe(
      [
        'var __defProp=Object.defineProperty;',
        'var __name=(target,value)=>__defProp(target,"name",{value,configurable:true});',
        'const f=__name(x=>x*2,"f");',
        'const k=class{static{__name(this,"k")}};',
        'const h=__name(function(){return run()},"h");',
        'function g(){}',
        'class A{static{__name(this,"A")}static n=3;static sq=__name(x=>x*x,"sq");m(){return f(1)}}',
        tail('A as __dlWorkerClass_A'),
      ].join('\n'),
    );
    // without esbuild's helper, __name is the user's function: a call like any other
    expect(definitionsOnly('const f = __name((x) => x, "f")', [])).toBe(['', tail('')].join('\n'));
  });

  it('drops a class that runs code as it is defined, and importing its definitions throws a ReferenceError saying why', () => {
    const cls = (body: string, head = 'class C') => definitionsOnly(`${head} ${body}`, ['C']);
    const refused = [
      cls('{ static table = load() }'),
      cls('{ static { console.log("defined") } }'),
      cls('{ [key()]() {} }'),
      cls('{ static t = tag`x` }'),
      cls('{ static n = new Net() }'),
      cls('{}', 'class C extends mixin(Base)'),
      definitionsOnly('const C = class { static t = load() }', ['C']),
      definitionsOnly('const C = makeDataset()', ['C']),
      definitionsOnly('const data = load(); class C { static n = data.length }', ['C']),
      definitionsOnly('const Base = mixin(Dataset); class C extends Base {}', ['C']),
    ];
    for (const out of refused) {
      expect(out).toBe(
        'throw new ReferenceError("C is not defined in DataLoader workers: its declaration runs code as it is evaluated (a call, new, a tagged template, or a static block, static field, computed member name or extends clause that calls something) or uses a value that does, and workers never run that code");\nexport {  };\n',
      );
    }
    // what runs only when called or constructed is kept: methods, instance fields, static arrows and getters
    const ok =
      'class C extends dl.data.Dataset { static n = 3; static f = () => load(); static get g() { return load() } x = load(); #p = new Map(); static #q = [1, 2]; static = 4; get; [Symbol.iterator]() { return run() } "s"() {} static async *gen() {} }';
    expect(definitionsOnly(ok, ['C'])).toBe([ok, tail('C as __dlWorkerClass_C')].join('\n'));
  });

  it('drops what names a dropped value, which would be undefined in the worker; property names are not references', () => {
    const src =
      'const data = load(), n = data.length, m = other.data, k = { data }, s = data?.x;\nconst again = data, ok = 1;\nclass A { get length() { return data.length } }';
    expect(definitionsOnly(src, ['A'])).toBe(
      ['const m = other.data;', 'const ok = 1;', 'class A { get length() { return data.length } }', tail('A as __dlWorkerClass_A')].join(
        '\n',
      ),
    );
  });
});
