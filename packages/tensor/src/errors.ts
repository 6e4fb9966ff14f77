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

/**
 * Incompatible or invalid shapes (view, broadcast, matmul, …), as PyTorch's `RuntimeError` for shapes.
 *
 * @example
 * dl.ones(2, 3).matmul(dl.ones(2, 3)); // ShapeError: matmul: shapes [2, 3] and [2, 3] cannot be multiplied (3 != 2)
 */
export class ShapeError extends DLError {
  static {
    named(this, 'ShapeError'); // `err.name` survives minification
  }
}
/**
 * Unsupported or mismatched dtypes (bitwise ops on floats, `mean` of integers, an unknown dtype name), as PyTorch's `RuntimeError`/`TypeError` for dtypes.
 *
 * @example
 * dl.ones(2).bitwiseAnd(1); // DTypeError: bitwiseAnd: "bitwise_and_cpu" is not implemented for floating point …
 */
export class DTypeError extends DLError {
  static {
    named(this, 'DTypeError'); // `err.name` survives minification
  }
}
/**
 * Tensors on different devices, or an unknown / unavailable device.
 *
 * @example
 * dl.ones(2).to('cuda'); // DeviceError: to: device 'cuda' is not available (hint: registered devices: cpu)
 */
export class DeviceError extends DLError {
  static {
    named(this, 'DeviceError'); // `err.name` survives minification
  }
}
/**
 * Index or dimension out of range, as PyTorch's `IndexError`.
 *
 * @example
 * dl.ones(2).select(0, 5); // IndexError: select: index 5 is out of bounds for dimension 0 with size 2
 */
export class IndexError extends DLError {
  static {
    named(this, 'IndexError'); // `err.name` survives minification
  }
}
/**
 * An argument of the wrong kind or value, as PyTorch's `ValueError`/`TypeError`.
 *
 * @example
 * dl.arange(0, 10, 0); // ArgumentError: arange: invalid range start=0, end=10, step=0
 */
export class ArgumentError extends DLError {
  static {
    named(this, 'ArgumentError'); // `err.name` survives minification
  }
}
/**
 * A JavaScript operator used on a tensor (`x + y`, `x < y`, `t[i] = v`): use the tensor's methods (`x.add(y)`, `x.lt(y)`, `t.indexPut_`). Note [No silent JS-operator answers].
 *
 * @example
 * const x = dl.ones(2);
 * x < 3; // OperatorError: … JavaScript operators (+, -, *, /, <, +=, …) do not work on tensors
 */
export class OperatorError extends ArgumentError {
  static {
    named(this, 'OperatorError'); // `err.name` survives minification
  }
}
/**
 * Use of a disposed tensor, a sync read on a device without one, and similar state errors.
 *
 * @example
 * const x = dl.ones(2);
 * x.dispose();
 * x.add(1); // StateError: add: tensor of shape [2] was disposed by dispose()
 */
export class StateError extends DLError {
  static {
    named(this, 'StateError'); // `err.name` survives minification
  }
}
/**
 * Autograd errors, as PyTorch's `RuntimeError`s from autograd: backward through a freed graph or from a tensor that does not require grad, in-place modification of saved tensors, in-place ops on leaves that require grad.
 *
 * @example
 * dl.ones(2).sum().backward(); // AutogradError: element 0 of tensors does not require grad and does not have a grad_fn
 */
export class AutogradError extends DLError {
  static {
    named(this, 'AutogradError'); // `err.name` survives minification
  }
}
/**
 * A backend's own failure (a WebGPU validation error, out of memory, a lost device), with the op that ran into it.
 *
 * @example
 * try { await x.toAsync('cpu'); } catch (e) { if (dl.BackendError.isInstance(e)) console.log(e.op, e.hint); }
 */
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
