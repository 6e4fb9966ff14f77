// The doc-coverage script's test fixture (scripts/doc-coverage.test.mjs): each name's comment is what the test expects.
const ROWS = {
  /**
   * A row's comment reaches the mapped method.
   * @example t.mapped()
   */
  mapped: 1,
  bare: 2,
} as const;
type Mapped = { [K in keyof typeof ROWS]: () => number };

/** A base that is not exported: its members count on the exported subclass. */
class Base {
  /** Inherited, documented, no example. */
  inherited(): number {
    return 1;
  }
}

/**
 * Documented class with an example.
 * @example new Thing()
 */
export class Thing extends Base {
  /** Overloaded: counts once. @example t.over(1) */
  over(a: number): number;
  over(a: string): string;
  over(a: number | string): number | string {
    return a;
  }
  undocumented(): void {}
  /** @internal not counted */
  hidden(): void {}
  _private(): void {}
}
export interface Thing extends Mapped {}

/** Documented function, no example. */
export function documented(): void {}
export function bare(): void {}
/** An arrow function with an example. @example arrow() */
export const arrow = (): number => 1;
export const plainValue = 3;
/** A namespace-like object of functions. */
export const ns = {
  /** Documented member. @example ns.member() */
  member(): number {
    return 1;
  },
  other: (): number => 2,
};

/** A second subclass of the unexported base: `inherited` still counts once. @example new Other() */
export class Other extends Base {}
