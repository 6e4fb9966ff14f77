import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../../vitest.shared.ts';

// Libraries that scripts/setup-webgpu.sh unpacked next to lavapipe (if the system lacked
// any) must be on LD_LIBRARY_PATH before the test processes start: set it here, in the
// parent, so the forked workers inherit it.
const ldFile = fileURLToPath(new URL('../../.vk/ld_library_path', import.meta.url));
if (existsSync(ldFile)) {
  const dir = readFileSync(ldFile, 'utf8').trim();
  const cur = process.env.LD_LIBRARY_PATH ?? '';
  if (dir && !cur.split(':').includes(dir)) process.env.LD_LIBRARY_PATH = cur ? `${dir}:${cur}` : dir;
}

// GPU tests run in forked processes (Dawn is not safe in worker threads), one file at a time.
export default mergeConfig(
  sharedConfig,
  defineConfig({
    test: {
      pool: 'forks',
      fileParallelism: false,
    },
  }),
);
