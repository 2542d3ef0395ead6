/** Small, strict conversions for command-line values: every error names the flag and the fix. */
export class UsageError extends Error {}

export function intArg(
  flag: string,
  raw: string | undefined,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} must be a whole number between ${min} and ${max}; got '${raw}'`);
  }
  return n;
}

export function numberArg(
  flag: string,
  raw: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max)
    throw new UsageError(`${flag} must be a number between ${min} and ${max}; got '${raw}'`);
  return n;
}
