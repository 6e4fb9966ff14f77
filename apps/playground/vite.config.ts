/**
 * Vite config of the playground. The page is served `crossOriginIsolated` (COOP + COEP), so the
 * cpu backend's GEMM can use SharedArrayBuffer and Web Workers; without these headers (any
 * static host) it runs on the page's thread instead. The packages are resolved to their
 * TypeScript sources (the `@dl/source` condition), as everywhere in the monorepo.
 */
import { defaultClientConditions, defineConfig } from 'vite';
import { mnistDigits } from './scripts/mnist-asset.js';

/** The headers that make the page cross-origin isolated. */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export default defineConfig({
  base: './',
  plugins: [mnistDigits()],
  resolve: { conditions: ['@dl/source', ...defaultClientConditions] },
  server: { headers: ISOLATION_HEADERS, host: '127.0.0.1' },
  preview: { headers: ISOLATION_HEADERS, host: '127.0.0.1' },
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 2000 },
});
