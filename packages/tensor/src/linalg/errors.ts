import { DLError } from '../errors.js';

/**
 * A linear-algebra routine failed on its input's values (`torch.linalg.LinAlgError`): a
 * singular matrix for `inv`/`solve`, a matrix that is not positive-definite for `cholesky`.
 *
 * @example
 * try { dl.linalg.inv(A); } catch (e) { if (dl.linalg.LinAlgError.isInstance(e)) console.log(e.message); }
 */
export class LinAlgError extends DLError {
  static {
    Object.defineProperty(this, 'name', { value: 'LinAlgError' }); // survives minification
  }
}
