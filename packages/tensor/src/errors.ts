/** Extra facts every dl error carries: the op that failed and a hint to fix it. */
export interface DLErrorInfo {
  op?: string;
  hint?: string;
}

/**
 * Base class of every error dl throws on bad input. `message` names the op, the
 * shapes/dtypes/devices involved and ends with a hint.
 *
 * @example
 * try { dl.ones(15).view(4, 4); } catch (e) { if (e instanceof DLError) console.log(e.op); }
 */
export class DLError extends Error {
  readonly op: string | undefined;
  readonly hint: string | undefined;
  constructor(message: string, info: DLErrorInfo = {}) {
    super(info.hint ? `${message}\n  hint: ${info.hint}` : message);
    this.name = new.target.name;
    this.op = info.op;
    this.hint = info.hint;
  }
}

/** Incompatible or invalid shapes (view, broadcast, matmul…). */
export class ShapeError extends DLError {}
/** Unsupported or mismatched dtypes. */
export class DTypeError extends DLError {}
/** Tensors on different devices, or an unknown / unavailable device. */
export class DeviceError extends DLError {}
/** Index or dimension out of range. */
export class IndexError extends DLError {}
/** An argument of the wrong kind or value. */
export class ArgumentError extends DLError {}
/** A JavaScript operator used on a tensor (`x + y`, `x < y`, `t[i] = v`): use the tensor's methods. */
export class OperatorError extends ArgumentError {}
/** Use of a disposed tensor, a sync read on an async backend, and similar state errors. */
export class StateError extends DLError {}
/** Autograd errors: backward through a freed graph, in-place modification of saved tensors… */
export class AutogradError extends DLError {}
/** A backend's own failure (validation error, out of memory, device lost). */
export class BackendError extends DLError {}

/** Format a shape as PyTorch prints it in messages: `[2, 3]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
