import { describe, expect, it } from 'vitest';
import { ArgumentError, DLError, DTypeError, IndexError, OperatorError, ShapeError } from './errors.js';

describe('DLError.isInstance', () => {
  it('is instanceof for errors of this copy', () => {
    const e = new OperatorError('x + y', { op: 'add' });
    expect(OperatorError.isInstance(e)).toBe(true);
    expect(ArgumentError.isInstance(e)).toBe(true);
    expect(DLError.isInstance(e)).toBe(true);
    expect(ShapeError.isInstance(e)).toBe(false);
    expect(DLError.isInstance(new Error('plain'))).toBe(false);
    expect(DLError.isInstance(null)).toBe(false);
    expect(DLError.isInstance('ShapeError')).toBe(false);
  });

  it("recognises another copy's errors by the Symbol.for brand and class names", () => {
    // what a second copy of @dl/tensor makes: its own classes, the same registered symbol and names
    const brand = Symbol.for('@dl/tensor.DLError');
    class OtherDLError extends Error {}
    Object.defineProperty(OtherDLError, 'name', { value: 'DLError' });
    Object.defineProperty(OtherDLError.prototype, brand, { value: true });
    class OtherShapeError extends OtherDLError {}
    Object.defineProperty(OtherShapeError, 'name', { value: 'ShapeError' });
    const foreign = new OtherShapeError('view: shape [5] is invalid');
    expect(foreign instanceof ShapeError).toBe(false);
    expect(ShapeError.isInstance(foreign)).toBe(true);
    expect(DLError.isInstance(foreign)).toBe(true);
    expect(DTypeError.isInstance(foreign)).toBe(false);
    // a look-alike without the brand is not a dl error
    class ShapeErrorLookalike extends Error {}
    Object.defineProperty(ShapeErrorLookalike, 'name', { value: 'ShapeError' });
    expect(ShapeError.isInstance(new ShapeErrorLookalike('x'))).toBe(false);
  });

  it('names survive minification: err.name comes from an explicit static name', () => {
    expect(new IndexError('at: index 7').name).toBe('IndexError');
    expect(Object.getOwnPropertyDescriptor(IndexError, 'name')!.value).toBe('IndexError');
    // a subclass declared elsewhere without its own name keeps its class name
    class CorruptFileError extends DLError {}
    expect(new CorruptFileError('bad').name).toBe('CorruptFileError');
  });
});
