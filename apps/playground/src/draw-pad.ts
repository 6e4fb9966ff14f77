/**
 * The drawing pad: a canvas to write a digit on with the mouse, a finger or a pen (Pointer
 * Events cover all three; `touch-action: none` keeps a finger from scrolling the page), white
 * ink on black as MNIST, read back as intensities in [0, 1].
 */

/** A drawing pad on a canvas. */
export interface DrawPad {
  /** the drawing's intensities in [0, 1], row-major, `width`×`height` (canvas pixels) */
  read(): { gray: Float32Array; width: number; height: number };
  clear(): void;
  /** has anything been drawn since the last clear? */
  readonly empty: boolean;
}

/**
 * Make `canvas` a drawing pad; `onChange` runs (at most once per animation frame) while drawing
 * and when a stroke ends.
 *
 * @example
 * const pad = drawPad(canvas, () => predict(toMnist(...Object.values(pad.read()))));
 */
export function drawPad(canvas: HTMLCanvasElement, onChange: () => void): DrawPad {
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  let empty = true;
  let last: { x: number; y: number } | null = null;
  let scheduled = false;

  const clear = (): void => {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    empty = true;
  };
  const changed = (): void => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      onChange();
    });
  };
  const at = (ev: PointerEvent): { x: number; y: number } => {
    const r = canvas.getBoundingClientRect();
    return { x: ((ev.clientX - r.left) / r.width) * canvas.width, y: ((ev.clientY - r.top) / r.height) * canvas.height };
  };
  const stroke = (to: { x: number; y: number }): void => {
    ctx.strokeStyle = '#fff';
    ctx.fillStyle = '#fff';
    ctx.lineWidth = canvas.width / 13; // about MNIST's stroke width relative to a 20-pixel digit
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    if (last) {
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(to.x, to.y);
      ctx.stroke();
    } else {
      ctx.arc(to.x, to.y, ctx.lineWidth / 2, 0, Math.PI * 2);
      ctx.fill();
    }
    last = to;
    empty = false;
    changed();
  };

  canvas.style.touchAction = 'none';
  canvas.addEventListener('pointerdown', (ev) => {
    canvas.setPointerCapture(ev.pointerId);
    last = null;
    stroke(at(ev));
  });
  canvas.addEventListener('pointermove', (ev) => {
    if (last) stroke(at(ev));
  });
  const end = (): void => {
    if (!last) return;
    last = null;
    changed();
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  clear();

  return {
    read() {
      const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
      const gray = new Float32Array(canvas.width * canvas.height);
      for (let i = 0; i < gray.length; i++) gray[i] = data[i * 4]! / 255;
      return { gray, width: canvas.width, height: canvas.height };
    },
    clear() {
      clear();
      changed();
    },
    get empty() {
      return empty;
    },
  };
}
