// A user's own test file under the project's vitest (3 in the scratch project): the shared
// conformance suite from `@dl/tensor/testing` (which uses vitest's `expect` and fast-check)
// on the cpu backend.
import { expect, test } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { expectError, runConformanceSuite } from '@dl/tensor/testing';

test('expectError from @dl/tensor/testing catches a ShapeError', () => {
  const e = expectError(() => dl.matmul(dl.ones([2, 3]), dl.ones([2, 3])), dl.ShapeError, 'matmul', '[2, 3]');
  expect(e.name).toBe('ShapeError');
});

runConformanceSuite({ device: 'cpu' });
