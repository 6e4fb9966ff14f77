/**
 * Entry point of the page's second script, `gemm-worker.js`: the cpu backend's GEMM worker
 * module. esbuild does not follow `new URL('./gemm-worker.js', import.meta.url)` (Note [Worker
 * module] in backend-cpu's wasm/pool.ts), so build.ts bundles this beside `main.js`, where the
 * backend's worker pool looks for it in a cross-origin isolated page.
 *
 * @example
 * // esbuild src/main.ts src/gemm-worker.ts --bundle --format=esm --outdir=dist
 */
import '@dl/backend-cpu/gemm-worker';
