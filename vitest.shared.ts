import { defineConfig } from 'vitest/config';

/** Shared vitest settings: every package tests its TypeScript sources directly (no build). */
export const sharedConfig = defineConfig({
  resolve: { conditions: ['@dl/source'] },
  ssr: { resolve: { conditions: ['@dl/source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
