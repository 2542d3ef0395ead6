import type { CertificateStore } from '../graph/store-certificate.js';
import type { BridgeRequester } from './protocol.js';

/**
 * The Windows certificate store, reached through MIM's bridge: `certificate` gives the certificate
 * (DER), `sign` a signature made with its private key, which never leaves the store. Answers are
 * already checked against the protocol schema by the server.
 */
export function certificateStoreOverBridge(bridge: BridgeRequester): CertificateStore {
  return {
    async certificate(thumbprint) {
      const r = await bridge.request('certificate', { thumbprint });
      return { der: Buffer.from(r.der as string, 'base64'), notAfter: new Date(r.notAfter as string) };
    },
    async sign(thumbprint, algorithm, data) {
      const r = await bridge.request('sign', { thumbprint, algorithm, data: data.toString('base64') });
      return Buffer.from(r.signature as string, 'base64');
    },
  };
}
