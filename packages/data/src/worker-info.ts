import { StateError } from '@dl/tensor';

/** What a DataLoader worker knows about itself (`torch.utils.data.get_worker_info()`). */
export interface WorkerInfo {
  /** This worker's index, 0 ≤ id < numWorkers. */
  readonly id: number;
  /** Number of workers of the loader. */
  readonly numWorkers: number;
  /** The seed of dl's default generator in this worker: the loader's base seed + id. */
  readonly seed: number;
  /** This worker's copy of the dataset (undefined while it is being rebuilt). */
  readonly dataset: unknown;
}

const KEY = Symbol.for('dl.data.workerInfo');
type Slot = { info?: WorkerInfo; bootstrapping?: string };
const slot = (): Slot => ((globalThis as Record<symbol, Slot | undefined>)[KEY] ??= {});

/**
 * In a DataLoader worker thread, who it is (`torch.utils.data.get_worker_info()`); `null` in
 * the main thread. Use it in a dataset to split work between workers.
 *
 * @example
 * const info = getWorkerInfo();
 * const [start, step] = info ? [info.id, info.numWorkers] : [0, 1];
 */
export function getWorkerInfo(): WorkerInfo | null {
  return slot().info ?? null;
}

/** @internal Set by the worker: its info, and while it imports the dataset's modules, which one. */
export function setWorkerInfo(info: WorkerInfo, bootstrapping?: string): void {
  const s = slot();
  s.info = info;
  s.bootstrapping = bootstrapping;
}

/**
 * Note [No loops in a worker's imports]
 * A worker rebuilds its dataset by importing the module that defines its class (or the module
 * of a `workerSpec`). If that module is a script with a training loop at top level and no
 * `isMainThread` guard, importing it would train again inside the worker, and each worker's
 * loader would start workers of its own: the exponential re-execution of issue 11. So a
 * DataLoader iterated inside a worker while the worker is importing modules throws at once
 * (the import fails, and the main thread gets this error from the worker), and a loader inside
 * a worker never starts nested workers.
 */
/** @internal Throws if iterating a loader here would re-run a script (Note [No loops in a worker's imports]). */
export function checkNotBootstrapping(numWorkers: number): void {
  const s = slot();
  if (!s.info) return;
  if (s.bootstrapping !== undefined) {
    throw new StateError(
      `DataLoader: a DataLoader loop ran while DataLoader worker ${s.info.id} was importing ${s.bootstrapping} to rebuild the dataset; that module runs training code at its top level, which would run again in every worker`,
      {
        op: 'DataLoader',
        hint: "put the dataset class in a module of its own (export it, no workerSpec needed), or guard the script's top level with `if (isMainThread)` from node:worker_threads",
      },
    );
  }
  if (numWorkers > 0) {
    throw new StateError(
      `DataLoader: numWorkers=${numWorkers} inside DataLoader worker ${s.info.id}; workers do not start workers of their own`,
      {
        op: 'DataLoader',
        hint: 'use numWorkers: 0 for a loader inside a dataset',
      },
    );
  }
}
