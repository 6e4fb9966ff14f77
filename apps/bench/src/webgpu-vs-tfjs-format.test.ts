import { describe, expect, it } from 'vitest';
import {
  README_END,
  README_START,
  isSoftwareAdapter,
  markdownTable,
  median,
  parseWebgpuArgs,
  ratio,
  replaceReadmeTable,
  type WebgpuRow,
} from './webgpu-vs-tfjs-format.js';

describe('parseWebgpuArgs', () => {
  it('reads --device as one word or two (pnpm forwards `--device webgpu` as two)', () => {
    expect(parseWebgpuArgs(['--device', 'webgpu']).device).toBe('webgpu');
    expect(parseWebgpuArgs(['--device=webgpu']).device).toBe('webgpu');
    expect(parseWebgpuArgs(['--only=matmul']).device).toBeNull();
  });
  it('reads the other flags, with defaults', () => {
    const d = parseWebgpuArgs([]);
    expect(d).toMatchObject({ only: null, big: false, resnetTrain: false, readme: false, budgetMs: 3000, minReps: 3, peakGflops: null });
    const o = parseWebgpuArgs([
      '--device=webgpu',
      '--only=matmul,conv-fwd',
      '--big',
      '--resnet-train',
      '--readme',
      '--budget',
      '500',
      '--reps=5',
      '--peak-gflops=60000',
    ]);
    expect(o).toMatchObject({
      only: ['matmul', 'conv-fwd'],
      big: true,
      resnetTrain: true,
      readme: true,
      budgetMs: 500,
      minReps: 5,
      peakGflops: 60000,
    });
  });
  it('a flag followed by another flag is a switch, not a value', () => {
    expect(parseWebgpuArgs(['--big', '--device', 'webgpu'])).toMatchObject({ big: true, device: 'webgpu' });
  });
  it('rejects a budget that is not a positive number, naming the flag', () => {
    expect(() => parseWebgpuArgs(['--budget=fast'])).toThrow(/--budget=fast/);
    expect(() => parseWebgpuArgs(['--reps=0'])).toThrow(RangeError);
  });
});

describe('median and ratio', () => {
  it('median of odd and even counts, unsorted input left alone', () => {
    const xs = [5, 1, 3];
    expect(median(xs)).toBe(3);
    expect(xs).toEqual([5, 1, 3]);
    expect(median([4, 1, 2, 10])).toBe(3);
    expect(() => median([])).toThrow(RangeError);
  });
  it('ratio is tfjs / dl, null when a side is missing', () => {
    expect(ratio({ dlMs: 2, tfjsMs: 3 })).toBe(1.5);
    expect(ratio({ dlMs: null, tfjsMs: 3 })).toBeNull();
    expect(ratio({ dlMs: 2, tfjsMs: null })).toBeNull();
  });
});

describe('markdownTable', () => {
  const rows: WebgpuRow[] = [
    { id: 'matmul-256', label: 'matmul 256', dlMs: 2, tfjsMs: 1, reps: 7, dlDispatches: 1, flops: 2 * 256 ** 3 },
    { id: 'r', label: 'ResNet-18 train step', dlMs: null, tfjsMs: null, reps: 0, dlDispatches: 1799, note: 'not timed' },
  ];
  it('prints ms, the ratio, GFLOP/s, dispatches and runs per row', () => {
    const lines = markdownTable(rows).split('\n');
    expect(lines).toHaveLength(4);
    const cells = (l: string) =>
      l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim());
    expect(cells(lines[2]!)).toEqual(['matmul 256', '2.00', '1.00', '0.50×', '16.8', '33.6', '1', '7']);
    expect(cells(lines[3]!)).toEqual(['ResNet-18 train step (not timed)', '–', '–', '–', '–', '–', '1799', '0']);
    // padded columns, as Biome formats Markdown tables (every line the same length)
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
    expect(lines[1]).toMatch(/^\| -+ \| -+: \|/);
  });
});

describe('replaceReadmeTable', () => {
  it('appends a section with the markers the first time, then replaces only between them', () => {
    const once = replaceReadmeTable('# pkg\n\ntext\n', 'TABLE 1');
    expect(once).toContain(`${README_START}\nTABLE 1\n${README_END}`);
    expect(once.startsWith('# pkg\n\ntext\n')).toBe(true);
    const twice = replaceReadmeTable(`${once}\n## After\n`, 'TABLE 2');
    expect(twice).not.toContain('TABLE 1');
    expect(twice).toContain('TABLE 2');
    expect(twice).toContain('## After');
    expect(twice.match(/webgpu-bench:start/g)).toHaveLength(1);
  });
  it('refuses a README with only one marker', () => {
    expect(() => replaceReadmeTable(`x\n${README_START}\n`, 'T')).toThrow(/only one/);
  });
});

describe('isSoftwareAdapter', () => {
  it('knows lavapipe and SwiftShader from GPUs', () => {
    expect(isSoftwareAdapter('mesa software llvmpipe-llvm-15')).toBe(true);
    expect(isSoftwareAdapter('Google SwiftShader')).toBe(true);
    expect(isSoftwareAdapter('nvidia hopper NVIDIA H200')).toBe(false);
  });
});
