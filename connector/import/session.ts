import type { ConnectorConfig, ObjectTypeName } from '../config/types.js';
import type { GraphClient } from '../graph/client.js';
import {
  type CloseImportRunStep,
  ConnectorError,
  type CSEntryChange,
  type GetImportEntriesResults,
  type GetImportEntriesRunStep,
  type ImportResults,
  type OpenImportRunStep,
  type Schema,
} from '../model/ecma.js';
import type { RunContext } from '../runtime/context.js';
import type { AttributeMap } from '../schema/types.js';
import { dateFormatter } from './datetime.js';
import { deltaImport } from './delta.js';
import { toConnectorError } from './errors.js';
import { fullImport } from './full.js';
import { buildPlans, type TypePlan } from './plan.js';
import type { RowSpool } from './rows.js';
import type { RunEnv } from './run.js';
import { type Generation, type LoadedState, StateStore } from './state.js';
import { formatWatermark, parseWatermark, type Watermark } from './watermark.js';

/**
 * One import run as MIM drives it: open, pages of exactly `pageSize` entries until moreToImport is
 * false, close. Entries stream from Graph and the next MIM page is read ahead while MIM works on the
 * current one, so Graph is never idle waiting for MIM (and the Graph client prefetches one Graph page
 * besides). The new watermark (and the state generation it names) is handed out only by a Normal
 * close after the last page.
 */
/** MIM pages read ahead of MIM: enough to cover MIM's turnaround, bounded memory. */
const READ_AHEAD_PAGES = 2;

export class ImportSession {
  private readonly buffer: CSEntryChange[] = [];
  private exhausted = false;
  private failed = false;
  private closed = false;
  /** The read-ahead under way, if any. */
  private reading: Promise<void> | undefined;
  /** Resolves the getPage waiting for its page. */
  private wake: (() => void) | undefined;
  /** What stopped the read-ahead; thrown to the getPage that needed the entries. */
  private readError: unknown;

  private constructor(
    private readonly ctx: RunContext,
    private readonly client: GraphClient,
    private readonly env: RunEnv,
    private readonly source: AsyncGenerator<CSEntryChange>,
    private readonly pageSize: number,
    private readonly opening: string | null,
    private readonly watermark: Watermark | undefined,
    private readonly store: StateStore | undefined,
    /** The state file's generations as the watermark finds them (read in the background). */
    private readonly loading: Promise<LoadedState> | undefined,
    private readonly plans: readonly TypePlan[],
    private readonly full: boolean,
    /** Files of the full import's rows: removed when the run closes, however it closes. */
    private readonly spools: readonly RowSpool[],
  ) {}

  static async open(
    config: ConnectorConfig,
    schema: Schema,
    attributes: AttributeMap,
    step: OpenImportRunStep,
    ctx: RunContext,
  ): Promise<{ session: ImportSession; results: ImportResults }> {
    const log = ctx.log;
    if (!Number.isInteger(step.pageSize) || step.pageSize < 1) {
      throw new ConnectorError(
        'ExtensibleExtension',
        `the run step's page size must be at least 1, not ${step.pageSize}`,
      );
    }
    const full = step.importType !== 'Delta';
    const plans = buildPlans(config, schema, attributes, log);

    let watermark: Watermark | undefined;
    if (full) {
      try {
        watermark = parseWatermark(step.customData);
      } catch {
        watermark = undefined; // a full import starts afresh whatever MIM kept
      }
    } else {
      watermark = parseWatermark(step.customData);
      if (!watermark) {
        throw new ConnectorError(
          'WarningNoWatermark',
          'there is no watermark from a previous import; run a full import before the first delta import',
        );
      }
      for (const plan of plans) {
        if (!watermark.links[plan.type]) {
          throw new ConnectorError(
            'WarningNoWatermark',
            `object type ${plan.type} was not part of the last full import; run a full import`,
          );
        }
        const before = watermark.filters?.[plan.type];
        if (before !== plan.scope?.fingerprint) {
          throw new ConnectorError(
            'WarningNoWatermark',
            `the object filter of ${plan.type} changed since the last full import; run a full import`,
          );
        }
      }
    }

    let store: StateStore | undefined;
    if (ctx.stateDir) store = StateStore.open(ctx.stateDir, config.tenantId, log);
    else log.warn('no state folder: import runs without self-healing and without filtered delta bookkeeping');
    // A full import starts from nothing, but keeps the generation MIM's watermark names until
    // MIM commits the new one. A delta import's objects are read while its first pages arrive.
    const loading = store?.resolve(watermark, !full);
    const current = full ? undefined : loading?.then((l) => l.current);

    const client = ctx.graph(config);
    const spools: RowSpool[] = [];
    try {
      const env: RunEnv = {
        client,
        signal: ctx.signal,
        log,
        fmt: dateFormatter(config.dateTimeFormat),
        imported: new Set(plans.map((p) => p.type)),
        current,
        stateful: store !== undefined,
        spool:
          store &&
          (() => {
            const s = store.spool();
            spools.push(s);
            return s;
          }),
        links: {},
        next: {},
      };
      const source = full ? fullRun(env, plans) : deltaRun(env, plans, watermark!);
      const opening = step.customData ?? null;
      log.info(`${full ? 'full' : 'delta'} import opened`, {
        objectTypes: plans.map((p) => p.type),
        pageSize: step.pageSize,
      });
      const session = new ImportSession(
        ctx,
        client,
        env,
        source,
        step.pageSize,
        opening,
        watermark,
        store,
        loading,
        plans,
        full,
        spools,
      );
      return { session, results: { customData: opening } };
    } catch (e) {
      await client.close();
      throw toConnectorError(e, 'opening the import');
    }
  }

  /** Exactly pageSize entries, fewer only on the last page (moreToImport false). */
  async getPage(_step: GetImportEntriesRunStep): Promise<GetImportEntriesResults> {
    if (this.closed) throw new ConnectorError('ExtensibleExtension', 'the import session is closed');
    if (this.failed) throw new ConnectorError('TerminateRun', 'the import already failed; close the run');
    this.readAhead();
    // One entry beyond the page tells whether this page is the last.
    while (!this.pageReady()) await new Promise<void>((wake) => (this.wake = wake));
    if (this.closed) throw new ConnectorError('ExtensibleExtension', 'the import session is closed');
    if (this.readError !== undefined && this.buffer.length <= this.pageSize) {
      this.failed = true;
      this.ctx.log.error('import failed', { error: (this.readError as Error).message });
      throw toConnectorError(this.readError, 'importing from Graph');
    }
    const entries = this.buffer.splice(0, this.pageSize);
    const moreToImport = this.buffer.length > 0 || !this.exhausted;
    if (moreToImport) this.readAhead();
    return { entries, moreToImport, customData: this.opening };
  }

  private pageReady(): boolean {
    return (
      this.buffer.length > this.pageSize || this.exhausted || this.closed || this.readError !== undefined
    );
  }

  /**
   * Reads in the background until the buffer holds READ_AHEAD_PAGES pages (so Graph's nextLink chain
   * keeps going while MIM turns a page around) or the source ends, waking a waiting getPage once its
   * page is there. Never rejects: a failure is kept for the getPage that needs the entries.
   */
  private readAhead(): void {
    if (this.reading || this.exhausted || this.closed || this.readError !== undefined) return;
    const read = async () => {
      try {
        while (!this.exhausted && !this.closed && this.buffer.length <= READ_AHEAD_PAGES * this.pageSize) {
          const r = await this.source.next();
          if (r.done) this.exhausted = true;
          else this.buffer.push(r.value);
          if (this.pageReady()) this.wakeReader();
        }
      } catch (e) {
        this.readError = e;
      }
    };
    const reading = read().finally(() => {
      if (this.reading === reading) this.reading = undefined;
      this.wakeReader();
    });
    this.reading = reading;
  }

  private wakeReader(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** With reason Normal after the last page: the new watermark. Otherwise the old one stays. */
  async close(step: CloseImportRunStep): Promise<ImportResults> {
    if (this.closed) return { customData: this.opening };
    this.closed = true;
    this.wakeReader();
    try {
      // A page still being fetched (its call was cancelled) may take a while to notice; the run ends
      // either way, so it gets a few seconds to wind down, not the whole Retry-After.
      // (The read-ahead stops at its next entry: `closed` is set.)
      const ended = (this.reading ?? Promise.resolve()).then(() => this.source.return(undefined));
      await Promise.race([ended, new Promise((r) => setTimeout(r, 5000).unref())]);
    } catch {
      // the run ends either way
    }
    await this.client.close().catch(() => {});
    try {
      return this.conclude(step, await this.loading);
    } finally {
      for (const spool of this.spools) spool.discard();
    }
  }

  /** The watermark (and state generation) the close hands MIM. */
  private conclude(step: CloseImportRunStep, loaded: LoadedState | undefined): ImportResults {
    const complete =
      this.exhausted && this.buffer.length === 0 && !this.failed && this.readError === undefined;
    if (step.reason !== 'Normal' || !complete) {
      this.ctx.log.info('import closed without a new watermark', { reason: step.reason, complete });
      return { customData: this.opening };
    }
    const links: Partial<Record<ObjectTypeName, string>> = {};
    const filters: Partial<Record<ObjectTypeName, string>> = {};
    for (const plan of this.plans) {
      const link = this.env.links[plan.type];
      if (!link) {
        throw new ConnectorError(
          'UnexpectedData',
          `Graph gave no delta link for ${plan.type}; run a full import`,
        );
      }
      links[plan.type] = link;
      if (plan.scope) filters[plan.type] = plan.scope.fingerprint;
    }
    // A new state generation only when the run knows every type's objects.
    const complete2 = this.plans.every((p) => this.env.next[p.type]);
    let sid = this.watermark?.sid;
    let gen = this.watermark?.gen ?? 0;
    if (this.store && complete2) {
      const newGen = Math.max(loaded?.maxGen ?? 0, this.watermark?.gen ?? 0) + 1;
      const next: Generation = { gen: newGen, types: { ...this.env.next } };
      try {
        // The committed generation stays beside the new pending one (not one that could not be read).
        const base = this.full || loaded?.current ? loaded?.named : undefined;
        this.store.writePending(base, next, loaded?.current);
        sid = this.store.sid;
        gen = newGen;
      } catch (e) {
        this.ctx.log.warn(
          'the import state file could not be written; the next delta import runs without self-healing',
          {
            error: (e as Error).message,
          },
        );
        sid = undefined;
      }
    } else if (this.store && !this.full) {
      this.ctx.log.warn(
        'this delta import ran without import state; the next one will too until a full import',
      );
    }
    const w: Watermark = {
      v: 1,
      ...(sid ? { sid } : {}),
      gen,
      links,
      ...(Object.keys(filters).length ? { filters } : {}),
    };
    this.ctx.log.info('import closed', { generation: gen });
    return { customData: formatWatermark(w) };
  }
}

async function* fullRun(env: RunEnv, plans: readonly TypePlan[]): AsyncGenerator<CSEntryChange> {
  for (const plan of plans) yield* fullImport(env, plan);
}

async function* deltaRun(
  env: RunEnv,
  plans: readonly TypePlan[],
  w: Watermark,
): AsyncGenerator<CSEntryChange> {
  for (const plan of plans) yield* deltaImport(env, plan, w.links[plan.type]!);
}
