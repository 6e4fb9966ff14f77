/*
 * Note [Node 20.16 and process.getBuiltinModule]
 * ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
 * dl reaches Node's built-ins (worker_threads for the cpu GEMM pool, fs for dl.save/load, the
 * DataLoader's workers, vision's dataset files) through `process.getBuiltinModule` at call time,
 * so a browser bundle imports nothing of Node's. Node has it from 20.16 and 22.3 (`engines`:
 * `>=20.16`). Older Node (18, early 20) has none of it, and dl used to run there silently
 * single-threaded; importing @dl/backend-cpu now says so once, as a process warning
 * (`process.emitWarning`, type `DLWarning`, code `DL_NODE_VERSION`: `--no-warnings` hides it).
 */

/** The part of Node's `process` the check reads (a parameter, so tests can play old Node). */
export interface ProcessLike {
  versions?: { node?: string };
  getBuiltinModule?: unknown;
  emitWarning?: (message: string, options: { type: string; code: string }) => void;
}

/**
 * The warning for a Node without `process.getBuiltinModule` (Note [Node 20.16 and
 * process.getBuiltinModule]), or null in a browser, a worker without `process`, or a recent Node.
 *
 * @example
 * nodeVersionProblem({ versions: { node: '18.19.0' } }); // 'dl needs Node >= 20.16 …'
 */
export function nodeVersionProblem(proc: ProcessLike | undefined): string | null {
  const node = proc?.versions?.node;
  if (!node || typeof proc.getBuiltinModule === 'function') return null;
  return (
    `dl needs Node >= 20.16 (or >= 22.3): this is Node ${node}, which lacks process.getBuiltinModule, so the cpu ` +
    'backend runs single-threaded, and dl.save/dl.load to files, DataLoader workers and file datasets fail. ' +
    'Upgrade Node (e.g. `nvm install 22`).'
  );
}

let warned = false;

/**
 * Warn once per process (Note [Node 20.16 and process.getBuiltinModule]) when Node is too old
 * for dl; returns whether it warned.
 *
 * @example
 * warnIfNodeTooOld(); // in @dl/backend-cpu's index.ts
 */
export function warnIfNodeTooOld(proc: ProcessLike | undefined = (globalThis as { process?: ProcessLike }).process): boolean {
  const msg = nodeVersionProblem(proc);
  if (msg === null || warned) return false;
  warned = true;
  if (typeof proc?.emitWarning === 'function') proc.emitWarning(msg, { type: 'DLWarning', code: 'DL_NODE_VERSION' });
  else console.warn(`DLWarning: ${msg}`);
  return true;
}
