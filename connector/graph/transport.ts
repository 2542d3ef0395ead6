import { readFileSync } from 'node:fs';
import { createSecureContext, rootCertificates } from 'node:tls';
import { Agent, type Dispatcher, ProxyAgent } from 'undici';

/**
 * The one HTTP stack of the connector: an undici pool per origin with keep-alive, shared by MSAL
 * (tokens) and Graph, so proxy, timeouts and TLS trust are set once.
 */
export interface HttpOptions {
  /** Headers and body timeout per request, ms. */
  timeoutMs: number;
  /** Connections per origin. */
  connections: number;
  proxy?: ProxySettings | undefined;
  /** PEM bundle trusted in addition to the system store (and NODE_EXTRA_CA_CERTS). */
  caFile?: string | undefined;
}

export interface ProxySettings {
  /** `http://proxy.corp:8080` (https proxies work too). */
  url: string;
  username?: string | undefined;
  /** Kept in memory only; it becomes a Proxy-Authorization header and nothing else. */
  password?: string | undefined;
}

export class TransportConfigError extends Error {}

export function createDispatcher(o: HttpOptions): Dispatcher {
  const ca = o.caFile ? [...rootCertificates, ...readPemBundle(o.caFile), ...extraCaFromEnv()] : undefined;
  // One secure context for every connection: parsing some 150 root certificates per TLS handshake
  // would otherwise cost milliseconds each time.
  const tls = ca ? { secureContext: createSecureContext({ ca }) } : {};
  const common = {
    connections: o.connections,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 120_000,
    headersTimeout: o.timeoutMs,
    bodyTimeout: o.timeoutMs,
  };
  if (!o.proxy) return new Agent({ ...common, connect: { ...tls, timeout: Math.min(o.timeoutMs, 30_000) } });
  let proxyUrl: URL;
  try {
    proxyUrl = new URL(o.proxy.url);
  } catch {
    throw new TransportConfigError(
      `proxy URL must look like http://proxy.example:8080; got '${o.proxy.url}'`,
    );
  }
  if (proxyUrl.protocol !== 'http:' && proxyUrl.protocol !== 'https:') {
    throw new TransportConfigError(`proxy URL must be http:// or https://; got '${proxyUrl.protocol}'`);
  }
  if (proxyUrl.username || proxyUrl.password) {
    throw new TransportConfigError(
      'put the proxy user name and password in their own settings, not in the proxy URL',
    );
  }
  const token =
    o.proxy.username !== undefined
      ? `Basic ${Buffer.from(`${o.proxy.username}:${o.proxy.password ?? ''}`).toString('base64')}`
      : undefined;
  return new ProxyAgent({
    ...common,
    uri: proxyUrl.href,
    ...(token ? { token } : {}),
    requestTls: { ...tls, timeout: Math.min(o.timeoutMs, 30_000) },
    proxyTls: tls,
  });
}

/** Node reads NODE_EXTRA_CA_CERTS only for its default store; an explicit CA list must include it again. */
function extraCaFromEnv(): string[] {
  const file = process.env.NODE_EXTRA_CA_CERTS;
  if (!file) return [];
  try {
    return readPemBundle(file);
  } catch {
    return [];
  }
}

export function readPemBundle(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TransportConfigError(`CA file ${file} cannot be read: ${(e as Error).message}`);
  }
  const certs = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (certs.length === 0) {
    throw new TransportConfigError(
      `CA file ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----); export the CA as Base-64 (PEM)`,
    );
  }
  return certs;
}
