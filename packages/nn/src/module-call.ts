import * as dl from '@dl/tensor';
import { escape, inScope, runEscaping, runScope } from '@dl/tensor/internal';
import type { Tensor } from '@dl/tensor';

/**
 * What {@link makeCallable} and {@link scopedForward} need of a module (module.ts imports this
 * file, not the other way round).
 */
export interface ModuleLike {
  forward: (...args: never[]) => unknown;
  _hooksInstalled: boolean;
  _forwardPreHooks: Array<(m: never, input: unknown[]) => unknown>;
  _forwardHooks: Array<(m: never, input: unknown[], output: unknown) => unknown>;
  _storedTensors(): Set<Tensor>;
  _getName(): string;
}

/**
 * Note [Callable modules]
 * PyTorch calls a module: `net(x)`, `criterion(out, y)`, `nn.Softmax(dim=1)(x)`. A JS class
 * instance cannot be called, so the Module constructor returns a *function object* standing in
 * for `this`: an arrow function (it has no `prototype` property) whose own `name` and `length`
 * are deleted (so a class field or getter named `name` or `length` — Sequential's `length` — is
 * not shadowed) and whose prototype is `new.target.prototype`. Everything a class instance does
 * still holds: subclass fields and `#private` fields are installed on the returned object,
 * `instanceof`, getters/setters, `Object.keys` and `this` inside methods are as before. Calling
 * it runs `self.forward(...args)`, the own scoped forward (Note [Scoped forward]), so
 * `net(x)`, `net.forward(x)` and `net.call(x)` are the same call, with hooks and the library
 * scope. Its prototype chain does not include `Function.prototype` (a module's `call`/`apply`
 * are Module's, and an inherited read-only `name` would make `this.name = …` throw), but
 * `typeof net` is `'function'`: code that walks values (memory keep-walks, serialization)
 * treats a module as a leaf, never as a record of its fields.
 *
 * Cost: deleting `name`/`length` puts the object in V8's dictionary mode, so a field read on a
 * module costs ~20 ns instead of ~1 ns; a forward reads a handful, far below the microseconds of
 * one tensor op (the `mlp-train-plain` bench row shows no difference within its noise).
 *
 * Typing: `interface Module` (merged with the class) declares the call signature
 * `(...args: Parameters<this['forward']>): ReturnType<this['forward']>`, so `new Net()(x)` has
 * the parameter and return types of `Net.forward` (a generic `forward` is seen with its
 * constraints; of an overloaded one, TypeScript sees the last signature). A type with a call
 * signature also has `Function`'s members to TypeScript, so under `noImplicitOverride` a subclass
 * field named `name`, `length`, `bind`, `caller` or `arguments` is written `override name = …`
 * (at run time the module has none of them: its prototype chain skips `Function.prototype`).
 *
 * @example
 * const net = new nn.Linear(4, 2);
 * net(dl.rand(3, 4)); // same as net.forward(dl.rand(3, 4))
 */
export function makeCallable<T extends object>(proto: object): T {
  const self = ((...args: unknown[]) => (self as unknown as { forward: (...a: unknown[]) => unknown }).forward(...args)) as unknown as T;
  delete (self as { name?: string }).name;
  delete (self as { length?: number }).length;
  Object.setPrototypeOf(self, proto);
  return self;
}

/**
 * The own `forward` of every module (Note [Scoped forward]): a step boundary when called from
 * user code, then the computation in a library scope (Note [Memory without ceremony] in
 * @dl/tensor) — its temporaries are freed at the end, what it returns or stores on the module
 * is kept. Hooks are user code: what they make is never freed under them.
 */
export function scopedForward(m: ModuleLike, orig: (...a: unknown[]) => unknown): (...a: unknown[]) => unknown {
  let name: string | null = null;
  const escapeStored = () => {
    for (const t of m._storedTensors()) escape(t);
  };
  const run = (args: unknown[]) => () => {
    if (!m._hooksInstalled) return orig.apply(m, args);
    let input = args;
    for (const h of m._forwardPreHooks) {
      const r = runEscaping(() => h(m as never, input));
      if (r !== undefined) input = Array.isArray(r) ? r : [r];
    }
    let out = orig.apply(m, input);
    for (const h of m._forwardHooks) {
      const r = runEscaping(() => h(m as never, input, out));
      if (r !== undefined) out = r;
    }
    return out;
  };
  return (...args: unknown[]) => {
    if (!inScope()) dl.endStep(args);
    name ??= `${m._getName()}.forward`;
    return runScope(name, run(args), escapeStored);
  };
}
