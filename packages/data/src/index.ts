/**
 * @dl/data — datasets, samplers and the DataLoader, as `torch.utils.data`. No backend
 * knowledge: batches are made with @dl/tensor ops on whatever device the samples live.
 *
 * @packageDocumentation
 *
 * @example
 * import { TensorDataset, DataLoader } from '@dl/data';
 * const loader = new DataLoader(new TensorDataset(X, y), { batchSize: 64, shuffle: true });
 * for (const [xb, yb] of loader) { … }
 */
export { Dataset, IterableDataset, TensorDataset, Subset, ConcatDataset, randomSplit, type WorkerSpec } from './dataset.js';
export { Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler, WeightedRandomSampler, BatchSampler } from './sampler.js';
export { defaultCollate } from './collate.js';
export { DataLoader, type DataLoaderOptions, type Sized } from './dataloader.js';
export { WorkerError, liveWorkers, workersUnavailable } from './worker-pool.js';
export { sendable, registerSendableClass, type Encoded } from './worker-state.js';
export { getWorkerInfo, type WorkerInfo } from './worker-info.js';
