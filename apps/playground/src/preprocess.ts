/**
 * Note [MNIST-style preprocessing]
 * A digit drawn on the pad is large, off-centre and sharp; MNIST's digits were size-normalised
 * to fit a 20×20 box (aspect ratio kept, anti-aliased) and then placed in the 28×28 image so
 * that their centre of mass is at the centre. A model trained on MNIST misreads a drawing that
 * is merely shrunk to 28×28, so `toMnist` repeats MNIST's steps: the bounding box of the ink,
 * an area-averaging resample of that box to at most 20×20, and a shift that puts the centre of
 * mass at pixel (14, 14) (kept inside the image).
 */

/** Ink below this (of 1) does not count for the bounding box. */
const INK = 0.05;

/** Area-average resample of `src` (w×h) to (tw×th), separably: each target pixel is the mean of the source area it covers. */
function resample(src: Float32Array, w: number, h: number, tw: number, th: number): Float32Array {
  const weights = (n: number, tn: number): Array<Array<[number, number]>> =>
    Array.from({ length: tn }, (_, i) => {
      const a = (i * n) / tn;
      const b = ((i + 1) * n) / tn;
      const out: Array<[number, number]> = [];
      for (let s = Math.floor(a); s < Math.ceil(b); s++) {
        const overlap = Math.min(b, s + 1) - Math.max(a, s);
        if (overlap > 0) out.push([s, overlap / (b - a)]);
      }
      return out;
    });
  const wx = weights(w, tw);
  const wy = weights(h, th);
  const rows = new Float32Array(h * tw);
  for (let y = 0; y < h; y++) {
    for (let i = 0; i < tw; i++) {
      let v = 0;
      for (const [s, k] of wx[i]!) v += src[y * w + s]! * k;
      rows[y * tw + i] = v;
    }
  }
  const out = new Float32Array(th * tw);
  for (let j = 0; j < th; j++) {
    for (const [s, k] of wy[j]!) {
      for (let i = 0; i < tw; i++) out[j * tw + i] = out[j * tw + i]! + rows[s * tw + i]! * k;
    }
  }
  return out;
}

/**
 * Turn a drawing (intensities in [0, 1], white ink on black, `w`×`h`) into a 28×28 MNIST-style
 * image (Note [MNIST-style preprocessing]); all zeros when nothing is drawn.
 *
 * @example
 * const img = toMnist(gray, 280, 280); // Float32Array(784), digit in a 20×20 box, centred by mass
 */
export function toMnist(gray: Float32Array, w: number, h: number): Float32Array {
  let x0 = w;
  let y0 = h;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (gray[y * w + x]! > INK) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  const out = new Float32Array(28 * 28);
  if (x1 < 0) return out;
  const bw = x1 - x0 + 1;
  const bh = y1 - y0 + 1;
  const box = new Float32Array(bw * bh);
  for (let y = 0; y < bh; y++) box.set(gray.subarray((y0 + y) * w + x0, (y0 + y) * w + x0 + bw), y * bw);
  const scale = 20 / Math.max(bw, bh);
  const tw = Math.max(1, Math.round(bw * scale));
  const th = Math.max(1, Math.round(bh * scale));
  const small = resample(box, bw, bh, tw, th);
  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const v = small[y * tw + x]!;
      mass += v;
      mx += v * x;
      my += v * y;
    }
  }
  const clamp = (v: number, hi: number): number => Math.min(Math.max(v, 0), hi);
  const ox = clamp(Math.round(14 - mx / mass), 28 - tw);
  const oy = clamp(Math.round(14 - my / mass), 28 - th);
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) out[(oy + y) * 28 + ox + x] = Math.min(1, small[y * tw + x]!);
  }
  return out;
}
