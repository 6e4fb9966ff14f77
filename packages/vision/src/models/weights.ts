import { ArgumentError, Tensor } from '@dl/tensor';
import type { nn } from '@dl/nn';

/** A state dict to load into a model: a record (or Map) of tensors by name, as `dl.load` returns. */
export type ModelWeights = Record<string, Tensor> | Map<string, Tensor>;

/** Weight options every model factory takes. */
export interface WeightsOptions {
  /**
   * A state dict to load (strictly), such as a model's `stateDict()` or a PyTorch `state_dict()`
   * saved by `torch.save` and read with `dl.load`. `null`/absent: random initial weights.
   */
  weights?: ModelWeights | null;
  /**
   * dl downloads nothing: `pretrained: true` without `weights` throws a
   * {@link PretrainedWeightsError} saying how to get weights.
   */
  pretrained?: boolean;
}

/**
 * Pretrained weights were asked of a model factory (`pretrained: true`, or torchvision's
 * `weights: 'DEFAULT'`) without a state dict: dl bundles and downloads no weights. The hint says
 * how to convert torchvision's and load them.
 *
 * @example
 * try { models.resnet18({ pretrained: true }); } catch (e) { if (e instanceof models.PretrainedWeightsError) console.log(e.hint); }
 */
export class PretrainedWeightsError extends ArgumentError {
  static {
    Object.defineProperty(this, 'name', { value: 'PretrainedWeightsError' }); // the name in messages and reprs, minified or not
  }
}

/**
 * The model `build` makes, with `opts.weights` loaded (strictly); a typed error, before anything
 * is built, for `pretrained: true` without weights and for `weights` that are not a state dict (a
 * torchvision enum name, `true`, a path, a Promise). `torchvision` names the torchvision builder
 * of the same model, if there is one.
 *
 * @example
 * return loadWeights('resnet18', () => new ResNet(BasicBlock, [2, 2, 2, 2]), opts, 'resnet18');
 */
export function loadWeights<M extends nn.Module>(name: string, build: () => M, opts: WeightsOptions, torchvision?: string): M {
  const { weights, pretrained } = opts;
  const file = `${name}.pth`;
  const load = `models.${name}({ weights: await dl.load('${file}') })`;
  const howTo = torchvision
    ? `convert torchvision's in Python: torch.save(torchvision.models.${torchvision}(weights='DEFAULT').state_dict(), '${file}'), then ${load}`
    : `dl has no pretrained ${name}: train it, save net.stateDict() with dl.save, then ${load}`;
  if (weights === undefined || weights === null) {
    if (pretrained)
      throw new PretrainedWeightsError(`${name}: pretrained: true needs weights; dl downloads none`, { op: name, hint: howTo });
    return build();
  }
  if (typeof weights === 'string' || typeof weights === 'boolean') {
    const what = typeof weights === 'string' ? `'${weights}'` : String(weights);
    throw new PretrainedWeightsError(`${name}: weights must be a state dict (a record of tensors), got ${what}; dl downloads none`, {
      op: name,
      hint:
        typeof weights === 'string' && /[./\\]/.test(weights)
          ? `load the file first: models.${name}({ weights: await dl.load('${weights}') })`
          : howTo,
    });
  }
  if (weights instanceof Promise) {
    throw new ArgumentError(`${name}: weights is a Promise`, { op: name, hint: `await it: ${load}` });
  }
  if (typeof weights !== 'object' || Array.isArray(weights) || weights instanceof Tensor) {
    const what = Array.isArray(weights) ? 'an array' : weights instanceof Tensor ? 'a Tensor' : typeof weights;
    throw new ArgumentError(`${name}: weights must be a state dict (a record of tensors by name), got ${what}`, { op: name, hint: load });
  }
  const net = build();
  net.loadStateDict(weights);
  return net;
}
