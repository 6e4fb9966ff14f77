import { describe, expect, it } from 'vitest';
import { guideBlocks, splitImports } from './run-guide.js';

describe('guide runner', () => {
  it('pairs each ts block with the text block right after it', () => {
    const md =
      '# t\n\n```ts\nconsole.log(1);\n```\n\n```text\n1\n```\n\nprose\n\n```ts\nconst a = 2;\n```\n\nbetween\n\n```text\nnot output\n```\n';
    const b = guideBlocks(md);
    expect(b.map((x) => x.expected)).toEqual(['1', null]);
    expect(b[1]!.line).toBe(13);
  });
  it('hoists single- and multi-line imports, keeping the rest in order', () => {
    const code =
      "import * as dl from '@dl/tensor';\nimport '@dl/backend-cpu';\nimport {\n  nn,\n  F,\n} from '@dl/nn'; // layers\nconst x = 1;\nimportant();";
    const { imports, rest } = splitImports(code);
    expect(imports).toEqual([
      "import * as dl from '@dl/tensor';",
      "import '@dl/backend-cpu';",
      "import {\n  nn,\n  F,\n} from '@dl/nn'; // layers",
    ]);
    expect(rest).toEqual(['const x = 1;', 'important();']);
    expect(() => splitImports('import {\n  nn,\n')).toThrow(/does not end/);
  });
});
