/** `text` as a whole number in [min, max], or undefined: one rule for flags and environment settings. */
export function wholeNumberIn(text: string, min: number, max: number): number | undefined {
  const n = Number(text);
  return text.trim() !== '' && Number.isInteger(n) && n >= min && n <= max ? n : undefined;
}
