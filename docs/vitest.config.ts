import { defineConfig, mergeConfig } from 'vitest/config';
import { sharedConfig } from '../vitest.shared.ts';

// Guides chdir into their own working directory, so they run in child processes (forks).
export default mergeConfig(sharedConfig, defineConfig({ test: { include: ['test/**/*.test.ts'], pool: 'forks', testTimeout: 300_000 } }));
