/** Extra facts every dl error carries: the op that failed and a hint to fix it. */
export interface DLErrorInfo {
  op?: string;
  hint?: string;
}

/** Marks dl errors across copies of @dl/tensor (a registered symbol: every copy makes the same one). */
const BRAND = Symbol.for('@dl/tensor.DLError');

/** Give an error class a name that survives minification (`err.name`, reprs, `isInstance`). */
function named(cls: abstract new (...args: never[]) => DLError, name: string): void {
  Object.defineProperty(cls, 'name', { value: name });
}

/**
 * Base class of every error dl throws on bad input. `message` names the op, the
 * shapes/dtypes/devices involved and ends with a hint.
 *
 * @example
 * try { dl.ones(15).view(4, 4); } catch (e) { if (e instanceof DLError) console.log(e.op); }
 */
export class DLError extends Error {
  static {
    Object.defineProperty(this.prototype, BRAND, { value: true });
    named(this, 'DLError');
  }
  readonly op: string | undefined;
  readonly hint: string | undefined;
  constructor(message: string, info: DLErrorInfo = {}) {
    super(info.hint ? `${message}\n  hint: ${info.hint}` : message);
    this.name = new.target.name;
    this.op = info.op;
    this.hint = info.hint;
  }
  /**
   * Is `e` an error of this class, also when it comes from another copy of @dl/tensor (where
   * `instanceof` is false)? Checks a `Symbol.for` brand and the class names along `e`'s
   * prototype chain.
   *
   * @example
   * try { net(x); } catch (e) { if (dl.ShapeError.isInstance(e)) console.log(e.hint); }
   */
  static isInstance<T extends DLError>(this: abstract new (...args: never[]) => T, e: unknown): e is T {
    if (e instanceof this) return true;
    if (e === null || typeof e !== 'object' || (e as Record<symbol, unknown>)[BRAND] !== true) return false;
    for (let p = Object.getPrototypeOf(e) as { constructor?: { name?: string } } | null; p; p = Object.getPrototypeOf(p) as typeof p) {
      if (p.constructor?.name === this.name) return true;
    }
    return false;
  }
}

/** Incompatible or invalid shapes (view, broadcast, matmul…). */
export class ShapeError extends DLError {
  static {
    named(this, 'ShapeError'); // `err.name` survives minification
  }
}
/** Unsupported or mismatched dtypes. */
export class DTypeError extends DLError {
  static {
    named(this, 'DTypeError'); // `err.name` survives minification
  }
}
/** Tensors on different devices, or an unknown / unavailable device. */
export class DeviceError extends DLError {
  static {
    named(this, 'DeviceError'); // `err.name` survives minification
  }
}
/** Index or dimension out of range. */
export class IndexError extends DLError {
  static {
    named(this, 'IndexError'); // `err.name` survives minification
  }
}
/** An argument of the wrong kind or value. */
export class ArgumentError extends DLError {
  static {
    named(this, 'ArgumentError'); // `err.name` survives minification
  }
}
/** A JavaScript operator used on a tensor (`x + y`, `x < y`, `t[i] = v`): use the tensor's methods. */
export class OperatorError extends ArgumentError {
  static {
    named(this, 'OperatorError'); // `err.name` survives minification
  }
}
/** Use of a disposed tensor, a sync read on an async backend, and similar state errors. */
export class StateError extends DLError {
  static {
    named(this, 'StateError'); // `err.name` survives minification
  }
}
/** Autograd errors: backward through a freed graph, in-place modification of saved tensors… */
export class AutogradError extends DLError {
  static {
    named(this, 'AutogradError'); // `err.name` survives minification
  }
}
/** A backend's own failure (validation error, out of memory, device lost). */
export class BackendError extends DLError {
  static {
    named(this, 'BackendError'); // `err.name` survives minification
  }
}

/**
 * A shape as error messages print it: `[2, 3]`.
 *
 * @example
 * dl.fmtShape([2, 3]); // → [2, 3]
 */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
