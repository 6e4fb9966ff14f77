import { ArgumentError } from '@dl/tensor';

/**
 * Note [Positional scheduler arguments]
 * PyTorch's schedulers take their first argument after the optimizer positionally or by keyword:
 * `StepLR(opt, 30)`, `StepLR(opt, step_size=30, gamma=0.5)`, `ReduceLROnPlateau(opt, 'max')`.
 * Here the options come as one object (`new StepLR(opt, { stepSize: 30, gamma: 0.5 })`), or that
 * first argument comes alone, followed by an object of the others (`new StepLR(opt, 30, { gamma:
 * 0.5 })`), as Note [Positional lr] does for optimizers. A required option that is missing or of
 * the wrong type is an ArgumentError: a schedule never silently turns into NaN or a constant lr.
 *
 * @example
 * schedulerArgs('StepLR', 'stepSize', 30, { gamma: 0.5 }); // { gamma: 0.5, stepSize: 30 }
 */
export function schedulerArgs<O extends object>(op: string, key: string, first: unknown, rest: unknown): O {
  const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  const what = (v: unknown) =>
    v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'string' ? `'${v}'` : `${typeof v} (${String(v)})`;
  const example = `new ${op}(optimizer, { ${key}: … }) or new ${op}(optimizer, …, { /* other options */ })`;
  if (isRecord(first)) {
    if (rest !== undefined)
      throw new ArgumentError(`${op}: options come in one object; got a second argument after it (${what(rest)})`, { op, hint: example });
    return first as O;
  }
  if (first === undefined) return (isRecord(rest) ? rest : {}) as O;
  if (rest === undefined) return { [key]: first } as O;
  if (!isRecord(rest)) throw new ArgumentError(`${op}: options after ${key} must be an object, got ${what(rest)}`, { op, hint: example });
  if (key in rest)
    throw new ArgumentError(`${op}: ${key} is given twice (${what(first)} and { ${key}: ${what(rest[key])} })`, { op, hint: example });
  return { ...rest, [key]: first } as O;
}

/**
 * `v` if it is a finite number meeting `rule`, else an ArgumentError naming the option.
 *
 * @example
 * checkNumber('StepLR', 'stepSize', opts.stepSize, 'positive integer');
 */
export function checkNumber(
  op: string,
  name: string,
  v: unknown,
  rule: 'number' | 'positive' | 'positive integer' | 'integer' = 'number',
): number {
  const ok =
    typeof v === 'number' &&
    Number.isFinite(v) &&
    (rule === 'number' ||
      (rule === 'positive' && v > 0) ||
      (rule === 'positive integer' && Number.isInteger(v) && v > 0) ||
      (rule === 'integer' && Number.isInteger(v)));
  if (!ok) {
    const got = v === undefined ? 'nothing' : typeof v === 'string' ? `'${v}'` : Array.isArray(v) ? 'an array' : String(v);
    const phrase = { number: 'a number', positive: 'a positive number', 'positive integer': 'a positive integer', integer: 'an integer' }[
      rule
    ];
    throw new ArgumentError(`${op}: ${name} must be ${phrase}, got ${got}`, {
      op,
      hint: v === undefined ? `${name} is required: new ${op}(optimizer, { ${name}: … })` : undefined,
    });
  }
  return v as number;
}
