/**
 * The version of this copy of @dl/tensor, as in its package.json (`version.test.ts` checks the
 * two agree; after `changeset version` run `pnpm --filter @dl/tensor sync-version`).
 *
 * @example
 * import { version } from '@dl/tensor';
 * console.log(version); // '0.1.0'
 */
export const version = '0.1.0';
