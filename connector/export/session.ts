import type { ConnectorConfig } from '../config/types.js';
import { type BatchResult, runBatch } from '../graph/batch.js';
import type { GraphClient } from '../graph/client.js';
import { GraphError } from '../graph/errors.js';
import type {
  AttributeChange,
  CloseExportRunStep,
  CSEntryChange,
  CSEntryChangeResult,
  OpenExportRunStep,
  PutExportEntriesResults,
  Schema,
} from '../model/ecma.js';
import { str, valueAdd } from '../model/values.js';
import type { RunContext } from '../runtime/context.js';
import type { AttributeMap } from '../schema/types.js';
import { buildCreate, type CreateRequest, createdId, existingGuestChecks } from './creates.js';
import { fatal, isUnreachable, mapEntryError } from './errors.js';
import { execute } from './execute.js';
import { PlaceholderMap } from './placeholders.js';
import { prepare } from './prepare.js';
import { preread, readCurrentRefs } from './preread.js';
import { isGuid } from './values.js';
import { type PlannedRequest, placeholderId, redactBody } from './whatif.js';
import { fail, failed, label, type Work } from './work.js';
import { buildWrites, type Op, type RefResolution } from './writes.js';

export interface ExportOptions {
  /** Build and validate every request, send no write, and list them via plannedRequests(). */
  whatIf?: boolean;
}

/** A reference to an unknown placeholder is retried (ExportActionRetryReferenceAttribute) this often, then fails. */
const MAX_REFERENCE_RETRIES = 1;

/**
 * One export run (MIM's OpenExportConnection … PutExportEntries* … CloseExportConnection).
 *
 * Each put() runs in phases, each phase a set of $batch requests with `exportConcurrency` in flight:
 * 1. prepare: validate every entry against the attribute map (nothing is sent for a refused entry);
 * 2. pre-read: one GET per existing object (onPremisesSyncEnabled, values to merge);
 * 3. creates (POST /users, /groups, /invitations) with a lookup so a retried create is never
 *    duplicated; new ids are recorded under their provisioning DNs;
 * 4. references resolved (Graph ids, known placeholder DNs, Adds of this batch);
 * 5. writes (PATCH, member/owner `$ref`s, manager, deletes).
 * Exactly one result per entry comes back, in the entries' order.
 */
export class ExportSession {
  private readonly planned: PlannedRequest[] = [];
  /** Ids created in this session (a 404 touching them may be replication lag). */
  private readonly freshIds = new Set<string>();
  private readonly referenceRetries = new Map<string, number>();
  private closed = false;

  private constructor(
    private readonly config: ConnectorConfig,
    private readonly attributes: AttributeMap,
    private readonly ctx: RunContext,
    private readonly client: GraphClient,
    private readonly placeholders: PlaceholderMap,
    private readonly whatIf: boolean,
  ) {}

  static async open(
    config: ConnectorConfig,
    _schema: Schema,
    attributes: AttributeMap,
    step: OpenExportRunStep,
    ctx: RunContext,
    opts: ExportOptions = {},
  ): Promise<ExportSession> {
    const client = ctx.graph(config);
    try {
      // Bad credentials or an unreachable tenant stop the run here, before MIM sends entries.
      await client.tokens.getToken();
    } catch (e) {
      await client.close();
      throw fatal(e, ctx.signal);
    }
    const placeholders = PlaceholderMap.load(ctx.stateDir, ctx.log);
    ctx.log.info('export opened', {
      exportType: step.exportType,
      batchSize: step.batchSize,
      whatIf: opts.whatIf === true,
      knownPlaceholders: placeholders.size,
    });
    return new ExportSession(config, attributes, ctx, client, placeholders, opts.whatIf === true);
  }

  /** What-if mode: every request that would have been sent so far, passwords redacted. */
  plannedRequests(): readonly PlannedRequest[] {
    return this.planned;
  }

  async put(entries: readonly CSEntryChange[]): Promise<PutExportEntriesResults> {
    if (this.closed) throw new Error('the export session is closed');
    try {
      return await this.run(entries);
    } catch (e) {
      throw fatal(e, this.ctx.signal);
    }
  }

  async close(step: CloseExportRunStep): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.ctx.log.info('export closed', { reason: step.reason, requests: this.client.counters.requests });
    await this.client.close();
  }

  private async run(entries: readonly CSEntryChange[]): Promise<PutExportEntriesResults> {
    const signal = this.ctx.signal;
    const concurrency = Math.max(1, this.config.exportConcurrency);
    const since = Date.now();
    const works = entries.map((e) => prepare(e, this.attributes, this.placeholders));

    await preread(this.client, works, { concurrency, signal, log: this.ctx.log });
    await readCurrentRefs(this.client, works, signal);

    // Creates.
    const creates: CreateRequest[] = [];
    for (const w of works) {
      if (failed(w) || !w.add || w.id) continue;
      // A create sent before without an answer (its worker died) may have landed: an object created
      // since it was sent counts as its own.
      const sent = w.entry.dn ? this.placeholders.sending(w.entry.dn) : undefined;
      const c = buildCreate(w, this.config, this.client, Math.min(since, sent ?? since), signal);
      if (c) creates.push(c);
    }
    await this.checkExistingGuests(creates, concurrency);
    const live = creates.filter((c) => !failed(c.work));
    if (this.whatIf) {
      for (const c of live) {
        this.plan(c.work, c.request.method, c.request.url, c.request.body);
        c.work.id = placeholderId(c.work.entry.dn, c.work.entry.identifier);
      }
    } else if (live.length) {
      const results = await this.resumeInterrupted(live);
      const toSend = live.filter((c) => !results.has(c.request.id));
      this.placeholders.markSending(
        toSend.flatMap((c) => (c.work.entry.dn ? [{ dn: c.work.entry.dn, objectType: c.work.type }] : [])),
      );
      if (toSend.length) {
        const sent = await runBatch(
          this.client,
          toSend.map((c) => c.request),
          { concurrency, signal },
        );
        for (const [k, r] of sent) results.set(k, r);
      }
      const recorded: { dn: string; id: string; objectType: string }[] = [];
      const refused: string[] = [];
      let unreachable: Error | undefined;
      for (const c of live) {
        const r = results.get(c.request.id);
        const id = r && !r.error ? createdId(r.body) : undefined;
        if (!r || r.error || !id) {
          if (r?.error && isUnreachable(r.error)) {
            unreachable ??= r.error;
            continue;
          }
          // Graph's refusal is an answer: nothing was created. Any other failure leaves it unknown.
          if (r?.error instanceof GraphError && r.error.status < 500 && c.work.entry.dn)
            refused.push(c.work.entry.dn);
          c.work.failure ??= mapEntryError(
            r?.error ?? new Error('the create answered without an id'),
            'create',
          );
          continue;
        }
        c.work.id = id;
        c.work.fresh = true;
        this.freshIds.add(id);
        if (r.recovered)
          c.work.notes.push(
            `the create's outcome was unknown; found the object ${id} instead of creating it again`,
          );
        if (c.work.entry.dn) recorded.push({ dn: c.work.entry.dn, id, objectType: c.work.type });
      }
      this.placeholders.setMany(recorded);
      this.placeholders.answered(refused);
      if (unreachable) throw unreachable;
    }

    // References and writes.
    const addsByDn = new Map<string, Work>();
    for (const w of works) if (w.add && w.entry.dn) addsByDn.set(w.entry.dn.trim().toLowerCase(), w);
    const ops: Op[] = [];
    for (const w of works) {
      ops.push(
        ...buildWrites(
          w,
          (dn) => this.resolve(dn, w, addsByDn),
          this.client.root,
          this.freshIds,
          this.config.forceChangePasswordNextSignIn,
        ),
      );
    }
    if (this.whatIf) {
      for (const op of ops) this.plan(op.work, op.method, op.url, op.body);
    } else if (ops.length) {
      await execute(this.client, ops, { concurrency, signal });
    }

    const results = works.map((w) => this.result(w));
    const failures = results.filter((r) => r.errorCode !== 'Success').length;
    this.ctx.log.info('export batch done', {
      entries: entries.length,
      failures,
      creates: live.length,
      writes: ops.length,
      whatIf: this.whatIf,
    });
    return { results };
  }

  /**
   * Creates sent by an earlier run that got no answer (its worker died mid-export): each is looked
   * up first, and one found is taken as created instead of being sent again (which Graph would
   * refuse as an existing object, run after run).
   */
  private async resumeInterrupted(live: readonly CreateRequest[]): Promise<Map<string, BatchResult>> {
    const found = new Map<string, BatchResult>();
    for (const c of live) {
      const dn = c.work.entry.dn;
      if (!dn || this.placeholders.sending(dn) === undefined || !c.request.lookup) continue;
      try {
        const body = await c.request.lookup();
        if (body !== undefined) {
          found.set(c.request.id, { id: c.request.id, status: 201, headers: {}, body, recovered: true });
        }
      } catch (e) {
        if (isUnreachable(e)) throw e;
        // Not found out: the create is sent, and Graph says whether the object exists.
      }
    }
    return found;
  }

  /** An invitation to an address a user of the tenant already has fails instead of adopting that user. */
  private async checkExistingGuests(creates: readonly CreateRequest[], concurrency: number): Promise<void> {
    const checks = existingGuestChecks(creates);
    if (!checks.length) return;
    const results = await runBatch(
      this.client,
      checks.map((c) => c.request),
      { concurrency, signal: this.ctx.signal },
    );
    for (const c of checks) {
      const r = results.get(c.request.id);
      if (r?.error) {
        if (isUnreachable(r.error)) throw r.error;
        c.work.failure ??= mapEntryError(r.error, 'read');
        continue;
      }
      const found = ((r?.body as { value?: { id: string }[] } | undefined)?.value ?? [])[0];
      if (found) {
        fail(
          c.work,
          'ExportErrorConnectedDirectoryExistingObject',
          'ObjectConflict',
          `a user with mail '${c.work.invite?.mail}' already exists (${found.id}); it is not adopted: join it in MIM instead`,
        );
      }
    }
  }

  private resolve(dn: string, from: Work, addsByDn: ReadonlyMap<string, Work>): RefResolution {
    const known = this.placeholders.get(dn);
    if (known) return { id: known.id };
    const add = addsByDn.get(dn.trim().toLowerCase());
    if (add && add !== from) {
      if (add.id) return { id: add.id };
      return {
        code: 'ExportErrorReferenceAttributeFailure',
        detail: `the referenced object '${dn}' could not be created in this batch (${add.failure?.errorName ?? 'failed'}), so the reference cannot be set`,
      };
    }
    if (isGuid(dn)) return { id: dn.toLowerCase() };
    // A placeholder of an Add MIM has not sent yet (a later batch or pass): ask MIM to retry once.
    const key = `${from.entry.identifier}|${dn.toLowerCase()}`;
    const n = this.referenceRetries.get(key) ?? 0;
    this.referenceRetries.set(key, n + 1);
    if (n < MAX_REFERENCE_RETRIES) {
      return {
        code: 'ExportActionRetryReferenceAttribute',
        detail: `the referenced object '${dn}' is not created yet; MIM retries this entry in a later pass`,
      };
    }
    return {
      code: 'ExportErrorReferenceAttributeFailure',
      detail: `the reference '${dn}' is neither a Graph id nor the DN of an object this connector created; run a full import so MIM knows the object's id`,
    };
  }

  private plan(w: Work, method: string, url: string, body: unknown): void {
    this.planned.push({
      identifier: w.entry.identifier,
      dn: w.entry.dn,
      objectType: w.type,
      method,
      url,
      ...(body === undefined ? {} : { body: redactBody(body) }),
    });
  }

  private result(w: Work): CSEntryChangeResult {
    for (const note of w.notes) this.ctx.log.debug(note, { identifier: w.entry.identifier, dn: w.entry.dn });
    const anchors: AttributeChange[] =
      w.add && w.id && !this.whatIf
        ? [{ name: 'id', modification: 'Add', values: [valueAdd(str(w.id))] }]
        : [];
    if (w.failure) {
      this.ctx.log.warn('export of an entry failed', {
        identifier: w.entry.identifier,
        object: label(w),
        errorCode: w.failure.errorCode,
        errorName: w.failure.errorName,
        errorDetail: w.failure.errorDetail,
      });
      return {
        identifier: w.entry.identifier,
        errorCode: w.failure.errorCode,
        anchors,
        errorName: w.failure.errorName,
        errorDetail: w.failure.errorDetail,
      };
    }
    return { identifier: w.entry.identifier, errorCode: 'Success', anchors };
  }
}
