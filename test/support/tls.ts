import { generateTlsMaterial, type TlsMaterial } from '../../emulator/auth/tls.js';

let cached: TlsMaterial | undefined;

/** One CA and server certificate per test file: RSA key generation costs about a second each time. */
export function sharedTls(): TlsMaterial {
  cached ??= generateTlsMaterial();
  return cached;
}
