/**
 * The small kit the config validator is written with. A `Check` judges one value; `Fields`
 * reads a JSON object field by field. Both record every problem with the path of the value at
 * fault (`transports[0].port`) instead of stopping at the first, so one run of the validator
 * tells the user everything that is wrong.
 */
import { isSupportedCountry } from 'libphonenumber-js';

/** One thing wrong with the config: where (`transports[0].port`, '' for the top level) and what. */
export interface Problem {
  path: string;
  message: string;
}

/**
 * Judges the value found at `path`: returns it (possibly normalised) when it is good; otherwise
 * records a problem and returns undefined.
 */
export type Check<T> = (value: unknown, path: string, problems: Problem[]) => T | undefined;

export function fieldPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

/** How a value is shown after "got": short, and never the text of a secret. */
export function describe(value: unknown, secret = false): string {
  if (typeof value === 'string') {
    if (secret) return `a string of ${value.length} characters`;
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  }
  if (secret && typeof value === 'number') return 'a number';
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return Array.isArray(value) ? 'a list' : 'an object';
}

function fail(problems: Problem[], path: string, message: string): undefined {
  problems.push({ path, message });
  return undefined;
}

export interface TextRules {
  /** Allow ''; by default a string must have at least one character. */
  allowEmpty?: boolean;
  maxLength?: number;
  /** A shape the string must have, with how to name it in the problem. */
  pattern?: { regex: RegExp; expected: string };
  /** Never echo the value: say only what kind of value it is and how long. */
  secret?: boolean;
}

export function text(rules: TextRules = {}): Check<string> {
  const expected = rules.pattern?.expected ?? (rules.allowEmpty ? 'a string' : 'a non-empty string');
  return (value, path, problems) => {
    const got = describe(value, rules.secret);
    if (typeof value !== 'string') return fail(problems, path, `expected ${expected}, got ${got}`);
    if (value === '' && !rules.allowEmpty) return fail(problems, path, `expected ${expected}, got an empty string`);
    if (rules.maxLength !== undefined && value.length > rules.maxLength) {
      const length = `${value.length} characters`;
      return fail(problems, path, `expected at most ${rules.maxLength} characters, got ${rules.secret ? length : `${got} (${length})`}`);
    }
    if (rules.pattern && !rules.pattern.regex.test(value)) return fail(problems, path, `expected ${expected}, got ${got}`);
    return value;
  };
}

function range(min: number, max: number): string {
  return max === Infinity ? `>= ${min}` : `${min}..${max}`;
}

export function integer(min: number, max = Infinity): Check<number> {
  return (value, path, problems) => {
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      return fail(problems, path, `expected an integer ${range(min, max)}, got ${describe(value)}`);
    }
    if (value < min || value > max) return fail(problems, path, `expected ${range(min, max)}, got ${value}`);
    return value;
  };
}

export function number(min: number): Check<number> {
  return (value, path, problems) => {
    if (typeof value !== 'number') return fail(problems, path, `expected a number ${range(min, Infinity)}, got ${describe(value)}`);
    if (value < min) return fail(problems, path, `expected ${range(min, Infinity)}, got ${value}`);
    return value;
  };
}

export const boolean: Check<boolean> = (value, path, problems) =>
  typeof value === 'boolean' ? value : fail(problems, path, `expected true or false, got ${describe(value)}`);

export function oneOf<const T extends string | number>(allowed: readonly T[]): Check<T> {
  return (value, path, problems) =>
    allowed.includes(value as T)
      ? (value as T)
      : fail(problems, path, `expected one of ${allowed.map((v) => describe(v)).join(', ')}, got ${describe(value)}`);
}

/** An ISO 3166-1 alpha-2 region libphonenumber knows, upper-cased (`gb` reads as `GB`). */
export const regionCode: Check<string> = (value, path, problems) => {
  const code = typeof value === 'string' ? value.toUpperCase() : '';
  if (isSupportedCountry(code)) return code;
  // The one everybody gets wrong: the ISO code of the United Kingdom is GB.
  const hint = code === 'UK' ? ' (the United Kingdom is "GB")' : '';
  return fail(problems, path, `expected an ISO 3166-1 alpha-2 region code such as "GB", got ${describe(value)}${hint}`);
};

export interface ListRules {
  /** Allow []; by default a list needs at least one entry. */
  allowEmpty?: boolean;
  /** Refuse an entry that repeats an earlier one. */
  unique?: boolean;
}

export function listOf<T>(item: Check<T>, rules: ListRules = {}): Check<T[]> {
  return (value, path, problems) => {
    if (!Array.isArray(value)) return fail(problems, path, `expected a list, got ${describe(value)}`);
    if (value.length === 0 && !rules.allowEmpty) return fail(problems, path, 'expected a list with at least one entry, got []');
    const before = problems.length;
    const items: T[] = [];
    value.forEach((entry, i) => {
      const at = `${path}[${i}]`;
      const checked = item(entry, at, problems);
      if (checked === undefined) return;
      if (rules.unique && items.includes(checked)) fail(problems, at, `${describe(entry)} is listed twice`);
      items.push(checked);
    });
    return problems.length === before ? items : undefined;
  };
}

/** `false` (the feature is off) or whatever `check` accepts. */
export function falseOr<T>(check: Check<T>): Check<T | false> {
  return (value, path, problems) => {
    if (value === false) return false;
    if (value === true) return fail(problems, path, 'expected false or an object, got true');
    return check(value, path, problems);
  };
}

/** `true` or `false`, or whatever `check` accepts (a feature on with its settings). */
export function booleanOr<T extends object>(check: Check<T>): Check<boolean | T> {
  return (value, path, problems) => {
    if (typeof value === 'boolean') return value;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return check(value, path, problems);
    return fail(problems, path, `expected true, false or an object, got ${describe(value)}`);
  };
}

/** A JSON object read by `read`; see Fields. */
export function objectOf<T extends object>(read: (fields: Fields) => T | undefined): Check<T> {
  return (value, path, problems) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return fail(problems, path, `expected an object, got ${describe(value)}`);
    }
    const fields = new Fields(value as Record<string, unknown>, path, problems);
    const result = read(fields);
    fields.reportUnknown();
    if (result !== undefined) dropUndefined(result);
    return result;
  };
}

/** Absent optional fields leave no `key: undefined` behind in the result. */
function dropUndefined(result: object): void {
  for (const [key, value] of Object.entries(result)) {
    if (value === undefined) delete (result as Record<string, unknown>)[key];
  }
}

/**
 * The fields of one JSON object. Each field is read once, with its check; once reading is done,
 * every field that was never asked for is reported as unknown, so a misspelt `prot` cannot pass
 * silently as an absent `port`.
 */
export class Fields {
  private readonly known: string[] = [];
  private judgeUnknown = true;

  constructor(
    private readonly object: Record<string, unknown>,
    readonly path: string,
    private readonly problems: Problem[],
  ) {}

  /**
   * A field that must be present. When it is missing or bad the problem is recorded and the
   * result is a placeholder: the validator throws whenever any problem was recorded, so a
   * placeholder never reaches a caller, and the readers can build plainly typed objects.
   */
  required<T>(key: string, check: Check<T>): T {
    return this.read(key, check, { required: true }) as T;
  }

  optional<T>(key: string, check: Check<T>): T | undefined {
    return this.read(key, check, { required: false });
  }

  /** `fallback` when the field is absent (and, after recording the problem, when it is bad). */
  defaulted<T>(key: string, check: Check<T>, fallback: T): T {
    return this.optional(key, check) ?? fallback;
  }

  /** An object whose fields all have defaults: when absent it reads as `{}`, defaults and all. */
  section<T extends object>(key: string, read: (fields: Fields) => T | undefined): T {
    this.known.push(key);
    const value = this.object[key] === undefined ? {} : this.object[key];
    return objectOf(read)(value, this.at(key), this.problems) as T;
  }

  /**
   * The field that decides which other fields belong (a transport's `type`): required unless
   * it has a fallback. When it is missing or bad, the other fields cannot be judged, so they
   * are not reported as unknown either.
   */
  discriminator<const T extends string>(key: string, allowed: readonly T[], fallback?: T): T | undefined {
    const absent = this.object[key] === undefined;
    const value = this.read(key, oneOf(allowed), { required: fallback === undefined }) ?? (absent ? fallback : undefined);
    if (value === undefined) this.judgeUnknown = false;
    return value;
  }

  /** Records a problem about one field of this object. */
  problem(key: string, message: string): void {
    fail(this.problems, this.at(key), message);
  }

  reportUnknown(): void {
    if (!this.judgeUnknown) return;
    for (const key of Object.keys(this.object)) {
      if (!this.known.includes(key)) {
        this.problem(key, `unknown field (expected one of: ${this.known.join(', ')})`);
      }
    }
  }

  private read<T>(key: string, check: Check<T>, { required }: { required: boolean }): T | undefined {
    this.known.push(key);
    // A JavaScript caller's `key: undefined` means absent, as it would after a JSON round trip.
    if (this.object[key] !== undefined) return check(this.object[key], this.at(key), this.problems);
    return required ? fail(this.problems, this.at(key), 'missing required field') : undefined;
  }

  private at(key: string): string {
    return fieldPath(this.path, key);
  }
}
