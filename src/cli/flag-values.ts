/**
 * Flag values checked while the command line is parsed: a bad value is a usage error (exit 2,
 * with the usage hint), the same as an unknown flag, never a failure of the command itself.
 */
import { InvalidArgumentError } from 'commander';
import { wholeNumberIn } from '../core/whole-number.js';

export function flagValue<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

/** A whole number in [min, max]. */
export function wholeNumber(min: number, max: number): (text: string) => number {
  return flagValue((text) => {
    const n = wholeNumberIn(text, min, max);
    if (n === undefined) throw new Error(`Expected a whole number from ${min} to ${max}.`);
    return n;
  });
}
