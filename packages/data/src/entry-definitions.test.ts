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
    const src = 'async function f(){await g()}function* gen(){yield 1}const u=import.meta.url;const m=import("x");const r=/[/]}/g;class A{}const B=class extends A{get(i){return f(i)}};';
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
