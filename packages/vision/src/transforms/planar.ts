import { ArgumentError, Tensor, fromArray, type DType } from '@dl/tensor';
import { isRawImage, type RawImage } from '../image.js';

/** An image or tensor as CHW float values on the host, with what it came from. */
export interface Planar {
  data: Float32Array;
  c: number;
  h: number;
  w: number;
  /** Leading batch dims of a tensor input ([] for CHW and raw images). */
  batch: number[];
  /** Rank of a tensor input (3 for raw images). */
  rank: number;
  from: 'raw' | DType;
}

/** Images the transforms take: a {@link RawImage} (HWC uint8) or a tensor (…, C, H, W). */
export type Image = RawImage | Tensor;

/** @internal Read an image as CHW floats (tensors: cpu, any leading batch dims folded into C). */
export function toPlanar(img: Image, op: string): Planar {
  if (isRawImage(img)) {
    const { height: h, width: w, channels: c } = img;
    const data = new Float32Array(c * h * w);
    for (let p = 0; p < h * w; p++) for (let k = 0; k < c; k++) data[k * h * w + p] = img.data[p * c + k]!;
    return { data, c, h, w, batch: [], rank: 3, from: 'raw' };
  }
  if (img instanceof Tensor) {
    if (img.dim() < 2)
      throw new ArgumentError(`${op}: expected an image tensor of shape [..., H, W], got shape [${img.shape.join(', ')}]`, { op });
    const shape = [...img.shape];
    const w = shape.pop()!;
    const h = shape.pop()!;
    const c = shape.reduce((a, b) => a * b, 1);
    const batch = img.dim() > 3 ? shape.slice(0, -1) : [];
    const host = img.dataSync();
    return {
      data: host instanceof Float32Array ? Float32Array.from(host) : Float32Array.from(host as ArrayLike<number>),
      c,
      h,
      w,
      batch,
      rank: img.dim(),
      from: img.dtype,
    };
  }
  throw new ArgumentError(`${op}: expected a RawImage or a Tensor, got ${img === null ? 'null' : typeof img}`, { op });
}

/** @internal Back to the input's kind: RawImage (rounded, clamped to uint8) or tensor of the input dtype. */
export function fromPlanar(p: Planar, data: Float32Array, c: number, h: number, w: number): Image {
  if (p.from === 'raw') {
    const out = new Uint8Array(c * h * w);
    for (let k = 0; k < c; k++) for (let q = 0; q < h * w; q++) out[q * c + k] = clampByte(data[k * h * w + q]!);
    return { data: out, height: h, width: w, channels: c };
  }
  const shape = p.rank > 3 ? [...p.batch, c / p.batch.reduce((a, b) => a * b, 1), h, w] : p.rank === 2 && c === 1 ? [h, w] : [c, h, w];
  if (p.from === 'float32' || p.from === 'float64') return fromArray(p.from === 'float32' ? data : Float64Array.from(data), shape);
  // Integer images are rounded as torchvision's tensor path does.
  const rounded = p.from === 'int32' ? Int32Array.from(data, (v) => Math.round(v)) : Uint8Array.from(data, clampByte);
  return fromArray(rounded, shape, { dtype: p.from });
}

function clampByte(v: number): number {
  const r = roundHalfEven(v);
  return r < 0 ? 0 : r > 255 ? 255 : r;
}

/** Python's round(): half to even. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
