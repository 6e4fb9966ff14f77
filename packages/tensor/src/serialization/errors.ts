import { DLError, type DLErrorInfo } from '../errors.js';

/** Extra facts a serialization error carries. */
export interface SerializationErrorInfo extends DLErrorInfo {
  /** The entry, tensor name or object path the error is about (`model.fc.weight`, `data/3`). */
  key?: string;
}

/**
 * A file that `dl.load` cannot read (corrupt, truncated, inconsistent offsets, an unsupported
 * format or dtype) or an object `dl.save` cannot write. The message names the op (`load` /
 * `save`), the part of the file or object (`key`) and ends with a hint.
 *
 * @example
 * try { await dl.load(bytes); } catch (e) { if (e instanceof dl.SerializationError) console.log(e.key); }
 */
export class SerializationError extends DLError {
  static {
    Object.defineProperty(this, 'name', { value: 'SerializationError' }); // the name in messages and reprs, minified or not
  }
  readonly key: string | undefined;
  constructor(message: string, info: SerializationErrorInfo = {}) {
    super(message, info);
    this.key = info.key;
  }
}

/**
 * A pickle asked for something the restricted unpickler refuses: a global outside the
 * `torch.load(weights_only=True)` allowlist (`os.system`, `builtins.eval`, any class), a call of a
 * non-callable, or an opcode that only arbitrary-object pickles use. Nothing is ever executed.
 *
 * @example
 * try { await dl.load(bytes); } catch (e) { if (e instanceof dl.UnpicklingError) console.log(e.global); }
 */
export class UnpicklingError extends SerializationError {
  static {
    Object.defineProperty(this, 'name', { value: 'UnpicklingError' }); // the name in messages and reprs, minified or not
  }
  /** `module.name` of the refused global, when a global was refused. */
  readonly global: string | undefined;
  constructor(message: string, info: SerializationErrorInfo & { global?: string } = {}) {
    super(message, info);
    this.global = info.global;
  }
}

/**
 * A declared size or a count went past a cap of {@link LoadOptions} (`maxBytes`,
 * `maxHeaderBytes`, `maxEntries`, `maxDepth`, `maxInflateRatio`, `maxObjects`). `limit` names the option to raise.
 *
 * @example
 * await dl.load(bytes, { maxBytes: 8 * 2 ** 30 }); // raise the cap for a big checkpoint
 */
export class LimitError extends SerializationError {
  static {
    Object.defineProperty(this, 'name', { value: 'LimitError' }); // the name in messages and reprs, minified or not
  }
  /** The option that caps it (`maxBytes`, `maxHeaderBytes`, `maxEntries`, `maxDepth`, `maxInflateRatio`, `maxObjects`). */
  readonly limit: string;
  constructor(message: string, info: SerializationErrorInfo & { limit: string }) {
    super(message, info);
    this.limit = info.limit;
  }
}
