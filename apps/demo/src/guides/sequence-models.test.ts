// docs/guides/sequence-models.md, run as written (Note [Guides run as tests]).
import { describe, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { expectGuideRuns } from './run-guide.js';

const GUIDE = fileURLToPath(new URL('../../../../docs/guides/sequence-models.md', import.meta.url));

describe('guide: sequence models', () => {
  it('every block runs and prints what the guide shows', () => expectGuideRuns(GUIDE), 120_000);
});
