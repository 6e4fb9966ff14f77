import * as dl from '@dl/tensor';
import { ArgumentError } from '@dl/tensor';
import { Module } from '../module.js';

/**
 * Note [Torch's positional arguments]
 * A port of torch code writes `nn.TransformerEncoderLayer(8, 2, 16, 0.2)`, `enc(x, mask)`,
 * `nn.LSTM(10, 20, 2)`: torch's keywords given in order. A layer that only read an options object
 * in that position saw a number or a Tensor, found no keys on it, and silently used its defaults —
 * a language model whose causal mask was dropped sees future words and trains "fine". So every
 * layer that takes options in torch's keyword positions takes them the way Python does: torch's
 * parameters positionally, in torch's order, optionally followed by one options object (camelCase
 * keywords) for the rest; a parameter given both ways, more positional values than torch
 * accepts, a value of the wrong kind (a Tensor where a number goes, a number where a mask goes),
 * or — where the layer knows all its keywords — an unknown key raises an ArgumentError naming
 * the parameter and the accepted forms, never a silent default.
 */

/** What a positional parameter accepts (`?` suffix: null too). */
export type ArgKind = 'tensor' | 'number' | 'int' | 'boolean' | 'string' | 'module' | 'size' | 'activation' | 'any';

/** One positional parameter: its camelCase key, torch's name, and what it accepts. */
export interface ArgSpec {
  key: string;
  torch: string;
  kind: ArgKind;
  nullable?: boolean;
}

/** `['dimFeedforward', 'dim_feedforward', 'int']` and friends, for brevity at the call sites. */
export type ArgRow = readonly [key: string, torch: string, kind: ArgKind, nullable?: boolean];

/** A plain `{ … }` options object (not a Tensor, array, module or null). */
export function isOptionsObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof dl.Tensor || v instanceof Module) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** @internal How a value reads in an error message. */
export function describeArg(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (v instanceof dl.Tensor) return `a Tensor of shape [${v.shape.join(', ')}]`;
  if (v instanceof Module) return `a ${v._getName()} module`;
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string '${v}'`;
  if (typeof v === 'number' || typeof v === 'boolean') return `the ${typeof v} ${String(v)}`;
  if (typeof v === 'function') return 'a function';
  return isOptionsObject(v) ? 'an options object' : typeof v;
}

const KIND_TEXT: Record<ArgKind, string> = {
  tensor: 'a Tensor',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean',
  string: 'a string',
  module: 'a Module',
  size: 'an integer or an array of integers',
  activation: "'relu', 'gelu', a function or a module",
  any: 'a value',
};

function fits(kind: ArgKind, v: unknown): boolean {
  switch (kind) {
    case 'tensor':
      return v instanceof dl.Tensor;
    case 'number':
      return typeof v === 'number';
    case 'int':
      return typeof v === 'number' && Number.isInteger(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'string':
      return typeof v === 'string';
    case 'module':
      return v instanceof Module;
    case 'size':
      return (
        (typeof v === 'number' && Number.isInteger(v)) || (Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isInteger(x)))
      );
    case 'activation':
      return v === 'relu' || v === 'gelu' || typeof v === 'function';
    case 'any':
      return !isOptionsObject(v);
  }
}

/**
 * @internal torch's positional parameters `rows` (in torch's order) given as `args`, optionally
 * followed by one options object, merged into one options object (Note [Torch's positional
 * arguments]). `forms` lists the accepted call forms for the error hint; `known`, when given, is
 * every key the options object may have (an unknown key is an ArgumentError).
 *
 * @example
 * const o = torchArgs('LSTM', [['numLayers', 'num_layers', 'int']], [2, { batchFirst: true }], 'new nn.LSTM(10, 20, 2)');
 * // { numLayers: 2, batchFirst: true }
 */
export function torchArgs<O extends object>(
  op: string,
  rows: readonly ArgRow[],
  args: readonly unknown[],
  forms: string,
  known?: readonly string[],
): O {
  let n = args.length;
  while (n > 0 && args[n - 1] === undefined) n--;
  let opts: Record<string, unknown> = {};
  if (n > 0 && isOptionsObject(args[n - 1])) {
    opts = args[n - 1] as Record<string, unknown>;
    n--;
  }
  const accepted = `accepted: ${forms}`;
  if (n > rows.length) {
    throw new ArgumentError(
      `${op}: takes ${rows.length} optional positional argument${rows.length === 1 ? '' : 's'} (${rows.map((r) => r[1]).join(', ') || 'none'}) but ${n} were given (argument ${rows.length + 1} is ${describeArg(args[rows.length])})`,
      { op, hint: accepted },
    );
  }
  if (known) {
    for (const k of Object.keys(opts)) {
      if (opts[k] !== undefined && !known.includes(k)) {
        throw new ArgumentError(`${op}: unknown option '${k}' (options: ${known.join(', ')})`, { op, hint: accepted });
      }
    }
  }
  const out: Record<string, unknown> = { ...opts };
  for (let i = 0; i < n; i++) {
    const v = args[i];
    if (v === undefined) continue;
    const [key, torch, kind, nullable] = rows[i]!;
    if (isOptionsObject(v)) {
      throw new ArgumentError(`${op}: argument ${i + 1} (${torch}) got an options object; an options object can only come last`, {
        op,
        hint: accepted,
      });
    }
    if (!(fits(kind, v) || (v === null && nullable))) {
      throw new ArgumentError(
        `${op}: argument ${i + 1} (${torch}) must be ${KIND_TEXT[kind]}${nullable ? ' or null' : ''}, got ${describeArg(v)}`,
        { op, hint: accepted },
      );
    }
    if (opts[key] !== undefined) {
      throw new ArgumentError(`${op}: got multiple values for argument '${torch}' (positionally and as option '${key}')`, {
        op,
        hint: accepted,
      });
    }
    out[key] = v;
  }
  return out as O;
}

/** @internal A keyword argument that must be a Tensor or null (a mask), else an ArgumentError. */
export function checkMaskOption(op: string, name: string, v: unknown, forms: string): void {
  if (v === undefined || v === null || v instanceof dl.Tensor) return;
  throw new ArgumentError(`${op}: ${name} must be a Tensor or null, got ${describeArg(v)}`, { op, hint: `accepted: ${forms}` });
}

/**
 * torch's positional parameters `P` as a rest-parameter type: every prefix of `P`, optionally
 * followed by the options object `O` (`[O?] | [P0, O?] | [P0, P1, O?] | …`).
 */
export type TorchTail<P extends readonly unknown[], O> = P extends readonly [...infer H, unknown] ? TorchTail<H, O> | [...P, O?] : [O?];
