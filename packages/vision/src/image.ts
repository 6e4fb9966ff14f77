/**
 * A decoded image as the datasets return it before any transform: `height × width ×
 * channels` uint8 values, row-major (HWC), like a PIL image or a NumPy array from it.
 * `transforms.ToTensor()` turns it into a CHW float tensor in [0, 1].
 *
 * @example
 * const img: RawImage = { data: new Uint8Array(28 * 28), height: 28, width: 28, channels: 1 };
 */
export interface RawImage {
  data: Uint8Array;
  height: number;
  width: number;
  channels: number;
}

/**
 * Is `x` a {@link RawImage}?
 *
 * @example
 * isRawImage({ data: new Uint8Array(4), height: 2, width: 2, channels: 1 }); // → true
 * isRawImage(dl.zeros(1, 2, 2)); // → false
 */
export function isRawImage(x: unknown): x is RawImage {
  return (
    typeof x === 'object' &&
    x !== null &&
    (x as RawImage).data instanceof Uint8Array &&
    typeof (x as RawImage).height === 'number' &&
    typeof (x as RawImage).width === 'number' &&
    typeof (x as RawImage).channels === 'number'
  );
}
