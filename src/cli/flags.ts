import { type ParseArgsConfig, parseArgs } from 'node:util';
import { didYouMean } from '../rules/suggest.js';

// Command-line parsing shared by the commands: strict flags, short usage errors with "did you mean", and
// values checked with a message that names the flag.

export class UsageError extends Error {}

export type FlagOptions = NonNullable<ParseArgsConfig['options']>;

/** Every spelling of the flags: --name and -x. */
export function flagNames(options: FlagOptions): string[] {
  return Object.entries(options).flatMap(([name, o]) => [`--${name}`, ...(o.short ? [`-${o.short}`] : [])]);
}

/** parseArgs' own message names the flag in quotes; keep only that. */
function quotedFlag(message: string): string {
  return /'(-[^' ]*)/.exec(message)?.[1] ?? '';
}

/** node:util parseArgs, strict, with its errors turned into one-line usage errors. */
export function parseFlags<const T extends FlagOptions>(args: string[], options: T) {
  try {
    return parseArgs({ args, strict: true, allowPositionals: false, options }).values;
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const flag = quotedFlag(err.message).split('=')[0]!;
      const hint = didYouMean(flag, flagNames(options));
      throw new UsageError(`unknown flag ${flag}${hint ? `; ${hint}` : ''}`);
    }
    if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const flag = quotedFlag(err.message);
      if (/argument missing/.test(err.message)) throw new UsageError(`${flag} needs a value`);
      if (/does not take an argument/.test(err.message)) throw new UsageError(`${flag} takes no value`);
    }
    if (err.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      const word = /'([^']*)'/.exec(err.message)?.[1] ?? '';
      const hint = 'filename' in options ? `; did you mean -f ${word}?` : '';
      throw new UsageError(`unexpected argument ${JSON.stringify(word)}: every input is given with a flag${hint}`);
    }
    throw new UsageError(err.message);
  }
}

export function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    const hint = didYouMean(value, allowed);
    throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got "${value}"${hint ? `; ${hint}` : ''}`);
  }
  return value as T;
}

export function positiveInt(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${flag} must be a positive whole number, got "${value}"`);
  return n;
}
