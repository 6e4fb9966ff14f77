/**
 * A Node built-in module, or undefined outside Node (browsers): loaded through
 * `process.getBuiltinModule` at call time, so the browser bundle imports nothing of Node's.
 *
 * @example
 * builtin<typeof import('node:url')>('node:url')?.pathToFileURL('/x').href;
 */
export function builtin<T>(name: string): T | undefined {
  const p = (globalThis as { process?: { getBuiltinModule?: (n: string) => unknown } }).process;
  try {
    return p?.getBuiltinModule?.(name) as T | undefined;
  } catch {
    return undefined;
  }
}
