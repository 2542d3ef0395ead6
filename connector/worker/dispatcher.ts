import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { getCapabilities } from '../capabilities.js';
import { getConfigParameters, validateConfigParameters } from '../config/parameters.js';
import { type ParseOptions, parseConfig, runStepDropFile } from '../config/parse.js';
import type { ConnectorConfig } from '../config/types.js';
import { MmsmlWriter } from '../dropfile/writer.js';
import { PasswordSession } from '../export/password.js';
import { ExportSession } from '../export/session.js';
import { ImportSession } from '../import/session.js';
import type {
  CloseExportRunStep,
  CloseImportRunStep,
  ConfigParameterPage,
  ConfigValues,
  CSEntryChange,
  GetImportEntriesRunStep,
  OpenExportRunStep,
  OpenImportRunStep,
  PasswordOptions,
  PasswordTarget,
  Schema,
} from '../model/ecma.js';
import { ConnectorError } from '../model/ecma.js';
import type { RunContext } from '../runtime/context.js';
import { graphClientFor } from '../runtime/graph.js';
import type { Logger } from '../runtime/log.js';
import { readSchemaCache, SCHEMA_CACHE_FILE, schemaCacheKey, writeSchemaCache } from '../schema/cache.js';
import { detectLive } from '../schema/index.js';
import type { DetectedSchema } from '../schema/types.js';
import { certificateStoreOverBridge } from './bridge-certificates.js';
import type { BridgeRequester, CallContext, MethodTarget } from './protocol.js';

/**
 * One dispatcher, method name → connector operation, shared by the stdio worker (MIM's bridge),
 * the Edge.js entry and the CLI. It owns the sessions between open and close.
 */
export interface DispatcherHost {
  /** MIM's MA data folder (or the CLI's state folder): where session state files live. */
  stateDir: string | undefined;
  log: Logger;
  /** Overridable for tests; by default a GraphClient built from the configuration. */
  graph?: RunContext['graph'];
  /**
   * Requests to MIM's bridge (the stdio worker only): with it, `CertificateStore` sign-in works — the
   * certificate stays in the Windows store and the bridge signs. Absent in the CLI.
   */
  bridge?: BridgeRequester | undefined;
}

interface SessionKinds {
  import: ImportSession;
  export: ExportSession;
  password: PasswordSession;
}
type Kind = keyof SessionKinds;
interface SessionEntry<K extends Kind> {
  kind: K;
  session: SessionKinds[K];
  abort: AbortController;
  /** The call running on this session, whose heartbeats report its waits. */
  call: CallContext | undefined;
  /** The run step's drop file (an import written as MIM's mmsml), when one is configured. */
  drop?: MmsmlWriter | undefined;
}
type Session = { [K in Kind]: SessionEntry<K> }[Kind];

type Handler = (params: Record<string, unknown>, call: CallContext) => Promise<unknown>;

const SCHEMA_TTL_MS = 10 * 60_000;

export class Dispatcher implements MethodTarget {
  private readonly sessions = new Map<string, Session>();
  private readonly schemas = new Map<string, { at: number; detected: Promise<DetectedSchema> }>();
  private readonly handlers: Record<string, Handler>;
  /** What parsing a configuration may use: the bridge's certificate store, when there is a bridge. */
  private readonly parsing: ParseOptions;

  constructor(private readonly host: DispatcherHost) {
    this.parsing = host.bridge ? { certificateStore: certificateStoreOverBridge(host.bridge) } : {};
    this.handlers = {
      getCapabilities: async (p) => getCapabilities(p.config as ConfigValues),
      getConfigParameters: async (p) => ({
        parameters: getConfigParameters(
          p.page as ConfigParameterPage,
          p.config as ConfigValues,
          (p.pageNumber as number) ?? 1,
        ),
      }),
      validateConfigParameters: (p, call) =>
        validateConfigParameters(
          p.page as ConfigParameterPage,
          p.config as ConfigValues,
          (p.pageNumber as number) ?? 1,
          (config) => this.liveCheck(config, call),
          this.parsing,
        ),
      getSchema: async (p, call) =>
        (await this.detected(parseConfig(p.config as ConfigValues, this.parsing), call, true)).schema,
      openImport: (p, call) => this.openImport(p, call),
      getImportPage: (p, call) =>
        this.withSession('import', p, call, async (s) => {
          const page = await s.getPage((p.runStep ?? {}) as GetImportEntriesRunStep);
          const drop = this.sessions.get(p.session as string)?.drop;
          for (const e of page.entries) await drop?.write(e);
          return page;
        }),
      closeImport: (p, call) => {
        const drop = this.sessions.get(p.session as string)?.drop;
        return this.close('import', p, call, async (s) => {
          try {
            return await s.close(p.runStep as CloseImportRunStep);
          } finally {
            await drop?.close();
          }
        });
      },
      openExport: (p, call) => this.openExport(p, call),
      putExportEntries: (p, call) =>
        this.withSession('export', p, call, (s) => s.put(p.entries as CSEntryChange[])),
      closeExport: (p, call) =>
        this.close('export', p, call, async (s) => {
          await s.close(p.runStep as CloseExportRunStep);
          return {};
        }),
      openPassword: (p, call) => this.openPassword(p, call),
      setPassword: (p, call) =>
        this.withSession('password', p, call, async (s) => {
          await s.setPassword(p.target as PasswordTarget, p.password as string, p.options as PasswordOptions);
          return {};
        }),
      changePassword: (p, call) =>
        this.withSession('password', p, call, async (s) => {
          await s.changePassword(
            p.target as PasswordTarget,
            p.oldPassword as string,
            p.newPassword as string,
          );
          return {};
        }),
      closePassword: (p, call) =>
        this.close('password', p, call, async (s) => {
          await s.close();
          return {};
        }),
    };
  }

  get methods(): string[] {
    return Object.keys(this.handlers);
  }

  has(method: string): boolean {
    return Object.hasOwn(this.handlers, method);
  }

  /** Runs one method; params are already checked against the protocol schema. */
  dispatch(method: string, params: Record<string, unknown>, call: CallContext): Promise<unknown> {
    const handler = this.handlers[method];
    if (!handler)
      throw new ConnectorError('EntryPointNotImplemented', `the connector has no method '${method}'`);
    return handler(params, call);
  }

  /** Ends every open session (the host is shutting down). */
  async shutdown(): Promise<void> {
    for (const [id, s] of this.sessions) {
      s.abort.abort(new ConnectorError('TerminateRun', 'the worker is shutting down'));
      this.sessions.delete(id);
      try {
        if (s.kind === 'import') await s.session.close({ reason: 'TerminatedShuttingDown' });
        else if (s.kind === 'export') await s.session.close({ reason: 'TerminatedShuttingDown' });
        else await s.session.close();
      } catch (e) {
        this.host.log.warn('closing a session at shutdown failed', { error: (e as Error).message });
      }
    }
  }

  // ---- sessions -----------------------------------------------------------------------------

  /** A session's context: its own abort, and waits reported on whichever call is running. */
  private sessionContext(abort: AbortController, entry: () => Session | undefined): RunContext {
    const graph =
      this.host.graph ??
      ((config: ConnectorConfig) => graphClientFor(config, (e) => entry()?.call?.onWait(e)));
    return {
      stateDir: this.host.stateDir,
      log: this.host.log,
      signal: abort.signal,
      onWait: (e) => entry()?.call?.onWait(e),
      graph,
    };
  }

  private async openImport(p: Record<string, unknown>, call: CallContext) {
    const config = parseConfig(p.config as ConfigValues, this.parsing);
    const detected = await this.detected(config, call, false, p.schema as Schema);
    const abort = linked(call.signal);
    const id = randomUUID();
    const ctx = this.sessionContext(abort, () => this.sessions.get(id));
    const { session, results } = await ImportSession.open(
      config,
      p.schema as Schema,
      detected.attributes,
      p.runStep as OpenImportRunStep,
      ctx,
    );
    // A drop file named on the run step is written into the MA's data folder, as MIM writes its own.
    const dropPath = runStepDropFile(p.config as ConfigValues);
    const dropFile = dropPath ? resolve(this.host.stateDir ?? '.', dropPath) : undefined;
    if (dropFile) mkdirSync(dirname(dropFile), { recursive: true });
    const drop = dropFile
      ? await MmsmlWriter.open(dropFile, {
          stepType: (p.runStep as OpenImportRunStep).importType === 'Delta' ? 'delta-import' : 'full-import',
          schema: p.schema as Schema,
        })
      : undefined;
    this.sessions.set(id, { kind: 'import', session, abort, call: undefined, drop });
    return { session: id, customData: results.customData };
  }

  private async openExport(p: Record<string, unknown>, call: CallContext) {
    const config = parseConfig(p.config as ConfigValues, this.parsing);
    const detected = await this.detected(config, call, false, p.schema as Schema);
    const abort = linked(call.signal);
    const id = randomUUID();
    const ctx = this.sessionContext(abort, () => this.sessions.get(id));
    const session = await ExportSession.open(
      config,
      p.schema as Schema,
      detected.attributes,
      p.runStep as OpenExportRunStep,
      ctx,
      {
        whatIf: p.whatIf === true,
      },
    );
    this.sessions.set(id, { kind: 'export', session, abort, call: undefined });
    return { session: id };
  }

  private async openPassword(p: Record<string, unknown>, call: CallContext) {
    const config = parseConfig(p.config as ConfigValues, this.parsing);
    const abort = linked(call.signal);
    const id = randomUUID();
    const ctx = this.sessionContext(abort, () => this.sessions.get(id));
    const session = await PasswordSession.open(config, ctx);
    this.sessions.set(id, { kind: 'password', session, abort, call: undefined });
    // Graph is reached over TLS only.
    return { session: id, securityLevel: 'Secure' };
  }

  private session<K extends Kind>(kind: K, p: Record<string, unknown>): SessionEntry<K> {
    const s = this.sessions.get(p.session as string);
    if (!s || s.kind !== kind) {
      throw new ConnectorError(
        'ExtensibleExtension',
        `no open ${kind} session '${String(p.session)}': open${kind[0]!.toUpperCase()}${kind.slice(1)} first (the worker may have restarted)`,
      );
    }
    return s as unknown as SessionEntry<K>;
  }

  private async withSession<K extends Kind, R>(
    kind: K,
    p: Record<string, unknown>,
    call: CallContext,
    fn: (s: SessionKinds[K]) => Promise<R>,
  ): Promise<R> {
    const s = this.session(kind, p);
    // A cancelled call cancels its session: MIM will close it.
    const onAbort = () => s.abort.abort(call.signal.reason);
    call.signal.addEventListener('abort', onAbort, { once: true });
    s.call = call;
    try {
      return await fn(s.session);
    } finally {
      s.call = undefined;
      call.signal.removeEventListener('abort', onAbort);
    }
  }

  private async close<K extends Kind, R>(
    kind: K,
    p: Record<string, unknown>,
    call: CallContext,
    fn: (s: SessionKinds[K]) => Promise<R>,
  ): Promise<R> {
    try {
      return await this.withSession(kind, p, call, fn);
    } finally {
      this.sessions.delete(p.session as string);
    }
  }

  // ---- schema and sign-in -------------------------------------------------------------------

  /**
   * Detected schema per tenant/app/version/types: kept briefly in memory, and for runs in the MA data
   * folder (schema/cache.ts), since MIM starts a worker per run. The designer's refresh (`fresh`)
   * always asks Graph; a run uses the folder's copy when it covers the schema MIM hands it.
   */
  private detected(
    config: ConnectorConfig,
    call: CallContext,
    fresh: boolean,
    schema?: Schema,
  ): Promise<DetectedSchema> {
    const key = schemaCacheKey(config);
    const dir = this.host.stateDir;
    const hit = this.schemas.get(key);
    if (hit && !fresh && Date.now() - hit.at < SCHEMA_TTL_MS) return hit.detected;
    const kept = !fresh && dir ? readSchemaCache(dir, key, schema) : undefined;
    if (kept) {
      this.host.log.debug('schema: the detection kept in the MA data folder is used', {
        file: SCHEMA_CACHE_FILE,
      });
      const detected = Promise.resolve(kept);
      this.schemas.set(key, { at: Date.now(), detected });
      return detected;
    }
    const abort = linked(call.signal);
    const ctx = this.sessionContext(abort, () => undefined);
    const detected = detectLive(config, { ...ctx, onWait: call.onWait }).then((d) => {
      for (const w of d.warnings) this.host.log.warn(w);
      if (dir && !d.fromSnapshot) writeSchemaCache(dir, key, d);
      return d;
    });
    this.schemas.set(key, { at: Date.now(), detected });
    detected.catch(() => this.schemas.delete(key));
    return detected;
  }

  /** Connectivity page check: one real token request with the values entered. */
  private async liveCheck(config: ConnectorConfig, call: CallContext): Promise<void> {
    const client = (this.host.graph ?? ((c: ConnectorConfig) => graphClientFor(c, call.onWait)))(config);
    try {
      await client.tokens.getToken();
    } finally {
      await client.close();
    }
  }
}

function linked(parent: AbortSignal): AbortController {
  const c = new AbortController();
  if (parent.aborted) c.abort(parent.reason);
  // A session outlives the call that opened it: only an explicit cancel of that call aborts it.
  return c;
}
