import { randomInt } from 'node:crypto';

const CLASSES = [
  'ABCDEFGHJKLMNPQRSTUVWXYZ',
  'abcdefghijkmnopqrstuvwxyz',
  '23456789',
  '!#$%&*+-=?@^_~',
] as const;

/**
 * A strong random password for a new user when MIM sends none (`export_password` absent): 20
 * characters from all four classes, so it meets Entra's complexity policy. Nobody learns it; the
 * user's password is set later by password management or an administrator.
 */
export function generatePassword(length = 20): string {
  const all = CLASSES.join('');
  const chars = CLASSES.map((c) => c[randomInt(c.length)]!);
  while (chars.length < length) chars.push(all[randomInt(all.length)]!);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}
