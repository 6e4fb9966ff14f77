// docs/guides/spatial-layers.md, run as written (Note [Guides run as tests]).
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { runGuide } from './run-guide.js';

const GUIDE = fileURLToPath(new URL('../../../../docs/guides/spatial-layers.md', import.meta.url));

describe('guide: spatial layers', () => {
  it('every block runs and prints what the guide shows', async () => {
    const { blocks, printed } = await runGuide(GUIDE);
    expect(blocks.length).toBeGreaterThan(5);
    blocks.forEach((b, i) => {
      if (b.expected !== null) expect(printed[i], `block at line ${b.line}`).toBe(b.expected);
    });
  }, 120_000);
});
