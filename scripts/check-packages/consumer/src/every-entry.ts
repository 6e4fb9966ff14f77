/**
 * Type-checks every public entry point of the eight packages, as a user's TypeScript would see
 * them (with `skipLibCheck: false`, so the shipped `.d.ts` themselves are checked too).
 */
import * as dl from '@dl/tensor';
import type { Backend } from '@dl/tensor/backend';
import * as testing from '@dl/tensor/testing';
import { cpuBackend, setNumThreads } from '@dl/backend-cpu';
import { webgpu } from '@dl/backend-webgpu';
import { gradcheck, noGrad } from '@dl/autograd';
import * as autogradTesting from '@dl/autograd/testing';
import { nn, F, init, type Module } from '@dl/nn';
import { SGD, Adam, lrScheduler } from '@dl/optim';
import { DataLoader, TensorDataset } from '@dl/data';
import { datasets, transforms, models } from '@dl/vision';

const backend: Backend = cpuBackend;
const t: dl.Tensor = dl.ones([2, 2]);
const m: Module = new nn.Linear(2, 2);
const y: dl.Tensor = F.relu(m.forward(t));
init.zeros_(y);
setNumThreads(1);
noGrad(() => y.sum());
export const entries = [
  backend,
  webgpu,
  gradcheck,
  SGD,
  Adam,
  lrScheduler,
  DataLoader,
  TensorDataset,
  datasets,
  transforms,
  models,
  testing,
  autogradTesting,
];
