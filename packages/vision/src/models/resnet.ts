import type { Tensor } from '@dl/tensor';
import { nn, init } from '@dl/nn';
import { loadWeights, type WeightsOptions } from './weights.js';

const conv3x3 = (i: number, o: number, stride = 1) => new nn.Conv2d(i, o, 3, { stride, padding: 1, bias: false });
const conv1x1 = (i: number, o: number, stride = 1) => new nn.Conv2d(i, o, 1, { stride, bias: false });

/**
 * The two-conv residual block of ResNet-18/34 (`expansion` 1).
 *
 * @example
 * const block = new models.BasicBlock(64, 64); // as torchvision.models.resnet.BasicBlock(64, 64)
 * block(dl.randn(1, 64, 56, 56)).shape; // → [1, 64, 56, 56]
 */
export class BasicBlock extends nn.Module {
  static {
    Object.defineProperty(this, 'name', { value: 'BasicBlock' }); // the repr's name, minified or not
  }
  static readonly expansion = 1;
  conv1: nn.Conv2d;
  bn1: nn.BatchNorm2d;
  conv2: nn.Conv2d;
  bn2: nn.BatchNorm2d;
  downsample: nn.Module | null;
  constructor(inplanes: number, planes: number, stride = 1, downsample: nn.Module | null = null) {
    super();
    this.conv1 = conv3x3(inplanes, planes, stride);
    this.bn1 = new nn.BatchNorm2d(planes);
    this.conv2 = conv3x3(planes, planes);
    this.bn2 = new nn.BatchNorm2d(planes);
    this.downsample = downsample;
  }
  forward(x: Tensor): Tensor {
    let out = this.bn1.forward(this.conv1.forward(x)).relu();
    out = this.bn2.forward(this.conv2.forward(out));
    const identity = this.downsample ? (this.downsample.call(x) as Tensor) : x;
    return out.add(identity).relu();
  }
}

/**
 * The 1×1-3×3-1×1 bottleneck block of ResNet-50/101/152 (`expansion` 4; stride on the 3×3, as torchvision v1.5).
 *
 * @example
 * const down = new nn.Sequential(new nn.Conv2d(64, 256, 1, { bias: false }), new nn.BatchNorm2d(256));
 * const block = new models.Bottleneck(64, 64, 1, down);
 * block(dl.randn(1, 64, 56, 56)).shape; // → [1, 256, 56, 56]
 */
export class Bottleneck extends nn.Module {
  static {
    Object.defineProperty(this, 'name', { value: 'Bottleneck' }); // the repr's name, minified or not
  }
  static readonly expansion = 4;
  conv1: nn.Conv2d;
  bn1: nn.BatchNorm2d;
  conv2: nn.Conv2d;
  bn2: nn.BatchNorm2d;
  conv3: nn.Conv2d;
  bn3: nn.BatchNorm2d;
  downsample: nn.Module | null;
  constructor(inplanes: number, planes: number, stride = 1, downsample: nn.Module | null = null) {
    super();
    this.conv1 = conv1x1(inplanes, planes);
    this.bn1 = new nn.BatchNorm2d(planes);
    this.conv2 = conv3x3(planes, planes, stride);
    this.bn2 = new nn.BatchNorm2d(planes);
    this.conv3 = conv1x1(planes, planes * 4);
    this.bn3 = new nn.BatchNorm2d(planes * 4);
    this.downsample = downsample;
  }
  forward(x: Tensor): Tensor {
    let out = this.bn1.forward(this.conv1.forward(x)).relu();
    out = this.bn2.forward(this.conv2.forward(out)).relu();
    out = this.bn3.forward(this.conv3.forward(out));
    const identity = this.downsample ? (this.downsample.call(x) as Tensor) : x;
    return out.add(identity).relu();
  }
}

/** The residual block a `ResNet` is built from: `BasicBlock` or `Bottleneck`. */
export type BlockCtor = (typeof BasicBlock | typeof Bottleneck) & { expansion: number };

/** Options of the ResNet family. */
export interface ResNetOptions {
  numClasses?: number;
  /** Input channels (3 for RGB; 1 for grayscale). */
  inChannels?: number;
  /** Zero the last BN of each residual branch (torchvision's `zero_init_residual`). */
  zeroInitResidual?: boolean;
}

/**
 * ResNet (torchvision's `ResNet`): a 7×7/2 stem conv, BN, ReLU, 3×3/2 max-pool, four stages
 * of `layers[i]` blocks with 64, 128, 256, 512 planes, global average pool and a linear head.
 * Initialised as torchvision (Kaiming normal fan-out convs, BN weight 1 / bias 0).
 *
 * @example
 * const net = new models.ResNet(models.BasicBlock, [2, 2, 2, 2], { numClasses: 10 });
 */
export class ResNet extends nn.Module {
  static {
    Object.defineProperty(this, 'name', { value: 'ResNet' }); // the repr's name, minified or not
  }
  conv1: nn.Conv2d;
  bn1: nn.BatchNorm2d;
  relu: nn.ReLU;
  maxpool: nn.MaxPool2d;
  layer1: nn.Sequential;
  layer2: nn.Sequential;
  layer3: nn.Sequential;
  layer4: nn.Sequential;
  avgpool: nn.AdaptiveAvgPool2d;
  fc: nn.Linear;
  private inplanes = 64;
  constructor(block: BlockCtor, layers: readonly [number, number, number, number], opts: ResNetOptions = {}) {
    super();
    this.conv1 = new nn.Conv2d(opts.inChannels ?? 3, 64, 7, { stride: 2, padding: 3, bias: false });
    this.bn1 = new nn.BatchNorm2d(64);
    this.relu = new nn.ReLU();
    this.maxpool = new nn.MaxPool2d(3, { stride: 2, padding: 1 });
    this.layer1 = this.makeLayer(block, 64, layers[0], 1);
    this.layer2 = this.makeLayer(block, 128, layers[1], 2);
    this.layer3 = this.makeLayer(block, 256, layers[2], 2);
    this.layer4 = this.makeLayer(block, 512, layers[3], 2);
    this.avgpool = new nn.AdaptiveAvgPool2d([1, 1]);
    this.fc = new nn.Linear(512 * block.expansion, opts.numClasses ?? 1000);
    this.apply((m) => {
      if (m instanceof nn.Conv2d) init.kaimingNormal_(m.weight, { mode: 'fanOut', nonlinearity: 'relu' });
      else if (m instanceof nn.BatchNorm2d && m.weight && m.bias) {
        init.constant_(m.weight, 1);
        init.constant_(m.bias, 0);
      }
    });
    if (opts.zeroInitResidual) {
      this.apply((m) => {
        if (m instanceof Bottleneck && m.bn3.weight) init.constant_(m.bn3.weight, 0);
        else if (m instanceof BasicBlock && m.bn2.weight) init.constant_(m.bn2.weight, 0);
      });
    }
  }
  private makeLayer(block: BlockCtor, planes: number, blocks: number, stride: number): nn.Sequential {
    let downsample: nn.Module | null = null;
    if (stride !== 1 || this.inplanes !== planes * block.expansion) {
      downsample = new nn.Sequential(
        conv1x1(this.inplanes, planes * block.expansion, stride),
        new nn.BatchNorm2d(planes * block.expansion),
      );
    }
    const mods: nn.Module[] = [new block(this.inplanes, planes, stride, downsample)];
    this.inplanes = planes * block.expansion;
    for (let i = 1; i < blocks; i++) mods.push(new block(this.inplanes, planes));
    return new nn.Sequential(...mods);
  }
  forward(x: Tensor): Tensor {
    let h = this.maxpool.forward(this.relu.forward(this.bn1.forward(this.conv1.forward(x))));
    h = this.layer4.forward(this.layer3.forward(this.layer2.forward(this.layer1.forward(h)))) as Tensor;
    return this.fc.forward(this.avgpool.forward(h).flatten(1));
  }
}

/** Options of the `resnet18` … `resnet152` factories: the architecture's, plus weights to load (`weights`, `pretrained`). */
export interface ResNetFactoryOptions extends ResNetOptions, WeightsOptions {}

function build(name: string, block: BlockCtor, layers: readonly [number, number, number, number], opts: ResNetFactoryOptions): ResNet {
  const { weights, pretrained, ...arch } = opts;
  return loadWeights(name, () => new ResNet(block, layers, arch), { weights, pretrained }, name);
}

/**
 * ResNet-18 (11,689,512 parameters for 1000 classes). `weights` loads a state dict, such as
 * torchvision's converted with `torch.save(model.state_dict(), 'resnet18.pth')`.
 *
 * @example
 * const net = models.resnet18({ numClasses: 10 });
 * const pretrained = models.resnet18({ weights: await dl.load('resnet18.pth') });
 */
export const resnet18 = (opts: ResNetFactoryOptions = {}) => build('resnet18', BasicBlock, [2, 2, 2, 2], opts);
/**
 * ResNet-34 (`weights`: a state dict to load, as {@link resnet18}).
 *
 * @example
 * const net = models.resnet34({ numClasses: 10 });
 * net(dl.randn(1, 3, 224, 224)).shape; // → [1, 10]
 */
export const resnet34 = (opts: ResNetFactoryOptions = {}) => build('resnet34', BasicBlock, [3, 4, 6, 3], opts);
/**
 * ResNet-50, Bottleneck blocks (`weights`: a state dict to load, as {@link resnet18}).
 *
 * @example
 * const net = models.resnet50({ weights: await dl.load('resnet50.pth') }); // torchvision's state dict
 */
export const resnet50 = (opts: ResNetFactoryOptions = {}) => build('resnet50', Bottleneck, [3, 4, 6, 3], opts);
/**
 * ResNet-101 (`weights`: a state dict to load, as {@link resnet18}).
 *
 * @example
 * const net = models.resnet101({ numClasses: 100 });
 */
export const resnet101 = (opts: ResNetFactoryOptions = {}) => build('resnet101', Bottleneck, [3, 4, 23, 3], opts);
/**
 * ResNet-152 (`weights`: a state dict to load, as {@link resnet18}).
 *
 * @example
 * const net = models.resnet152();
 */
export const resnet152 = (opts: ResNetFactoryOptions = {}) => build('resnet152', Bottleneck, [3, 8, 36, 3], opts);
