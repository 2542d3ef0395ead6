import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OBJECT_TYPE_PARAM, PARAM } from '../../connector/config/parse.js';
import type {
  AttributeChange,
  ConfigValues,
  CSEntryChange,
  GetImportEntriesResults,
  ImportResults,
  PutExportEntriesResults,
  Schema,
  TypedValue,
} from '../../connector/model/ecma.js';
import { generateClientCertificate } from '../../emulator/auth/tls.js';
import { type RunningEmulator, startEmulator } from '../../emulator/index.js';
import { CallError, SoakWorker, type StartedProcess } from './worker.js';

/** What the worker answers to an open call. */
interface SessionAnswer {
  readonly session: string;
}

/**
 * The fault soak: repeated full import / delta import / export cycles through the real worker
 * against an in-process emulator that throttles (429 with Retry-After), fails (503), drops
 * connections, hands out 60-second tokens, expires a delta link once and loses a worker mid-export
 * once. Afterwards the emulator must equal what was exported and what was imported, object by
 * object, and no secret may appear in anything the run wrote or started.
 */
export interface SoakOptions {
  dir: string;
  workerPath: string;
  cycles: number;
  users: number;
  groups: number;
  seed: number;
  /** Changes exported per cycle (creates, updates, member adds, deletes). */
  changesPerCycle: number;
  log?: (line: string) => void;
}

export interface SoakReport {
  cycles: number;
  exported: number;
  failedEntries: number;
  unansweredEntries: number;
  /** Entries that failed and did not succeed at their next export. */
  failedTwice: string[];
  pendingAtEnd: number;
  workersStarted: number;
  workerKills: number;
  deltaExpiries: number;
  emulatorCounters: {
    requests: number;
    tokensIssued: number;
    writes: number;
    injected: Record<string, number>;
  };
  /** Differences between the emulator and what the imports built, object by object. */
  importMismatches: string[];
  /** Differences between the emulator and what was exported. */
  exportMismatches: string[];
  duplicates: string[];
  secretHits: string[];
  scannedFiles: number;
  scannedProcesses: number;
  seconds: number;
}

const DOMAIN = 'mimgraph.onmicrosoft.com';

type CsObject = { type: string; attrs: Map<string, TypedValue[]> };

const str = (value: string): TypedValue => ({ type: 'String', value });
const ref = (value: string): TypedValue => ({ type: 'Reference', value });
const add = (name: string, ...values: TypedValue[]): AttributeChange => ({
  name,
  modification: 'Add',
  values: values.map((value) => ({ modification: 'Add', value })),
});

/** mulberry32 */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const started = performance.now();
  const say = o.log ?? (() => {});
  const random = rng(o.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  mkdirSync(o.dir, { recursive: true });
  const dataFolder = join(o.dir, 'madata');
  mkdirSync(dataFolder, { recursive: true });

  // Credentials: a secret for the runs and a certificate (its key in a PEM file) for one import.
  const clientId = randomUUID();
  const secret = randomBytes(24).toString('base64url');
  const cert = generateClientCertificate('CN=mimgraph soak');
  const certFile = join(o.dir, 'client-cert.pem');
  writeFileSync(certFile, cert.certPem + cert.keyPem, { mode: 0o600 });
  const exportPassword = `Soak!${randomBytes(9).toString('base64url')}`;

  const emu: RunningEmulator = await startEmulator({
    apps: [{ clientId, secrets: [secret], certificates: [cert.certPem], roles: 'all' }],
    generate: { users: o.users, groups: o.groups, seed: o.seed },
    faults: { rate429: 0.1, retryAfterSeconds: 1, rate503: 0.03, rateDrop: 0.01, seed: o.seed },
    behaviour: { tokenLifetimeSeconds: 60, deltaMaxAgeSeconds: 3600 },
  });
  const caFile = join(o.dir, 'ca.pem');
  writeFileSync(caFile, emu.caCertPem);
  const v = (value: string, encrypted = false) => ({ value, encrypted });
  const baseConfig: ConfigValues = {
    [PARAM.tenant]: v(emu.tenantId),
    [PARAM.clientId]: v(clientId),
    [PARAM.authenticationType]: v('ClientSecret'),
    [PARAM.clientSecret]: v(secret, true),
    [PARAM.cloud]: v('custom'),
    [PARAM.loginEndpoint]: v(emu.baseUrl),
    [PARAM.graphEndpoint]: v(emu.baseUrl),
    [PARAM.caFile]: v(caFile),
    [PARAM.writeBudget]: v('off'),
    [PARAM.logLevel]: v('debug'),
    [OBJECT_TYPE_PARAM.user]: v('1'),
    [OBJECT_TYPE_PARAM.group]: v('1'),
  };
  const certConfig: ConfigValues = {
    ...baseConfig,
    [PARAM.authenticationType]: v('Certificate'),
    [PARAM.certificateFile]: v(certFile),
    [PARAM.clientSecret]: v('', true),
  };

  const processes: StartedProcess[] = [];
  const errorTexts: string[] = [];
  let workersStarted = 0;
  let worker: SoakWorker;
  const startWorker = async () => {
    workersStarted++;
    worker = new SoakWorker(o.workerPath, join(o.dir, `worker-${workersStarted}.log`), {
      MIMGRAPH_LOG_LEVEL: 'debug',
      MIMGRAPH_HEARTBEAT_SECONDS: '2',
    });
    await worker.hello(dataFolder);
    processes.push(worker.started);
  };
  await startWorker();

  const schema: Schema = await worker!.call('getSchema', { config: baseConfig });
  const cs = new Map<string, CsObject>();
  let watermark: string | null = null;
  let imports = 0;

  const applyImport = (entries: CSEntryChange[], full: boolean) => {
    if (full) cs.clear();
    for (const e of entries) {
      const id = e.dn as string;
      if (e.errorCodeImport && e.errorCodeImport !== 'Success') {
        errorTexts.push(`${e.errorName}: ${e.errorDetail}`);
        continue;
      }
      if (e.modification === 'Delete') {
        cs.delete(id);
        continue;
      }
      if (e.modification === 'Add' || e.modification === 'Replace' || !cs.has(id)) {
        cs.set(id, { type: e.objectType, attrs: new Map() });
      }
      const obj = cs.get(id) as CsObject;
      for (const a of e.attributes) {
        const now = a.modification === 'Update' ? [...(obj.attrs.get(a.name) ?? [])] : [];
        if (a.modification === 'Delete') {
          obj.attrs.delete(a.name);
          continue;
        }
        for (const vc of a.values) {
          if (vc.modification === 'Add') now.push(vc.value);
          else {
            const at = now.findIndex((x) => x.value === vc.value.value);
            if (at >= 0) now.splice(at, 1);
          }
        }
        obj.attrs.set(a.name, now);
      }
    }
  };

  const importRun = async (importType: 'Full' | 'Delta', config: ConfigValues = baseConfig) => {
    imports++;
    const runConfig = {
      ...config,
      [PARAM.runStepDropFile]: v(join(o.dir, `drop-${imports}-${importType}.xml`)),
    };
    const open = await worker.call<SessionAnswer & { customData?: string | null }>('openImport', {
      config: runConfig,
      schema,
      runStep: { importType, pageSize: 100, customData: importType === 'Full' ? null : watermark },
    });
    const entries: CSEntryChange[] = [];
    let last = open.customData;
    for (;;) {
      const page = await worker.call<GetImportEntriesResults>('getImportPage', {
        session: open.session,
        runStep: { customData: last },
      });
      entries.push(...page.entries);
      last = page.customData ?? last;
      if (!page.moreToImport) break;
    }
    const close = await worker.call<ImportResults>('closeImport', {
      session: open.session,
      runStep: { reason: 'Normal', customData: last },
    });
    watermark = close.customData;
    applyImport(entries, importType === 'Full');
    return entries.length;
  };

  // ---- what was exported, to compare with the emulator at the end
  const created = new Map<string, { id?: string; jobTitle?: string; deleted: boolean }>(); // by UPN
  const titles = new Map<string, string>(); // existing user id → last exported jobTitle
  const memberAdds = new Map<string, Set<string>>(); // group id → user ids
  const originalUsers = [...emu.context.store.all('user')]
    .filter((u) => u.props.userType === 'Member')
    .map((u) => u.id);
  const groups = [...emu.context.store.all('group')].map((g) => g.id);

  // ---- export bookkeeping: every entry's fate
  interface Pending {
    entry: () => CSEntryChange;
    label: string;
    failures: number;
    onSuccess: (anchor?: string) => void;
  }
  let pending: Pending[] = [];
  let exported = 0;
  let failedEntries = 0;
  let unansweredEntries = 0;
  const failedTwice: string[] = [];
  let workerKills = 0;
  let deltaExpiries = 0;
  const results: unknown[] = [];

  const userAdd = (cycle: number, i: number): Pending => {
    const upn = `soak.c${cycle}.u${i}@${DOMAIN}`;
    created.set(upn, { deleted: false });
    return {
      label: `add ${upn}`,
      failures: 0,
      entry: () => ({
        identifier: randomUUID(),
        objectType: 'user',
        modification: 'Add',
        dn: `placeholder-${upn}`,
        anchors: [],
        attributes: [
          add('accountEnabled', { type: 'Boolean', value: true }),
          add('displayName', str(`Soak ${cycle}.${i}`)),
          add('mailNickname', str(`soak.c${cycle}.u${i}`)),
          add('userPrincipalName', str(upn)),
          add('export_password', str(exportPassword)),
        ],
      }),
      onSuccess: (anchor) => {
        const c = created.get(upn);
        if (c && anchor) c.id = anchor;
      },
    };
  };
  const titleUpdate = (id: string, title: string): Pending => ({
    label: `jobTitle ${id}`,
    failures: 0,
    entry: () => ({
      identifier: randomUUID(),
      objectType: 'user',
      modification: 'Update',
      dn: id,
      anchors: [{ name: 'id', value: str(id) }],
      attributes: [
        { name: 'jobTitle', modification: 'Replace', values: [{ modification: 'Add', value: str(title) }] },
      ],
    }),
    onSuccess: () => {
      const c = [...created.values()].find((x) => x.id === id);
      if (c) c.jobTitle = title;
      else titles.set(id, title);
    },
  });
  const memberAdd = (group: string, user: string): Pending => ({
    label: `member ${user} → ${group}`,
    failures: 0,
    entry: () => ({
      identifier: randomUUID(),
      objectType: 'group',
      modification: 'Update',
      dn: group,
      anchors: [{ name: 'id', value: str(group) }],
      attributes: [
        { name: 'members', modification: 'Update', values: [{ modification: 'Add', value: ref(user) }] },
      ],
    }),
    onSuccess: () => {
      const set = memberAdds.get(group) ?? new Set<string>();
      set.add(user);
      memberAdds.set(group, set);
    },
  });
  const userDelete = (upn: string, id: string): Pending => ({
    label: `delete ${upn}`,
    failures: 0,
    entry: () => ({
      identifier: randomUUID(),
      objectType: 'user',
      modification: 'Delete',
      dn: id,
      anchors: [{ name: 'id', value: str(id) }],
      attributes: [],
    }),
    onSuccess: () => {
      const c = created.get(upn);
      if (c) c.deleted = true;
    },
  });

  const exportRun = async (work: Pending[], killAtBatch: number | undefined) => {
    const open = await worker.call<SessionAnswer>('openExport', {
      config: baseConfig,
      schema,
      runStep: { exportType: 'Delta', batchSize: 25 },
    });
    const next: Pending[] = [];
    let killed = false;
    for (let at = 0, batch = 0; at < work.length; at += 25, batch++) {
      const slice = work.slice(at, at + 25);
      if (killed) {
        next.push(...slice);
        continue;
      }
      const entries = slice.map((p) => p.entry());
      const put = worker.call<PutExportEntriesResults>('putExportEntries', {
        session: open.session,
        entries,
      });
      if (batch === killAtBatch) setTimeout(() => worker.kill(), 40);
      let answer: PutExportEntriesResults;
      try {
        answer = await put;
      } catch (e) {
        // The worker died: MIM gets an error for the run and exports these entries again next time.
        killed = true;
        workerKills++;
        errorTexts.push((e as Error).message);
        unansweredEntries += slice.length;
        for (const p of slice) p.failures++;
        next.push(...slice);
        continue;
      }
      results.push(answer);
      exported += slice.length;
      const byId = new Map(answer.results.map((r) => [r.identifier, r]));
      slice.forEach((p, i) => {
        const r = byId.get(entries[i]?.identifier as string);
        if (!r || r.errorCode === 'Success') {
          if (p.failures > 1) failedTwice.push(p.label);
          const anchor = r?.anchors[0]?.values[0]?.value.value;
          p.onSuccess(typeof anchor === 'string' ? anchor : undefined);
          return;
        }
        failedEntries++;
        p.failures++;
        errorTexts.push(`${r.errorName}: ${r.errorDetail}`);
        next.push(p);
      });
    }
    if (killed) await startWorker();
    else await worker.call('closeExport', { session: open.session, runStep: { reason: 'Normal' } });
    return next;
  };

  // ---- the cycles
  say(`full import of ${o.users} users and ${o.groups} groups`);
  await importRun('Full');
  // One import signs in with the certificate, so its key is part of the run (and of the scan).
  await importRun('Delta', certConfig);
  const killCycle = Math.min(1, o.cycles - 1);
  const expiryCycle = Math.min(2, o.cycles - 1);
  for (let cycle = 0; cycle < o.cycles; cycle++) {
    const work: Pending[] = [...pending];
    const n = o.changesPerCycle;
    for (let i = 0; i < Math.ceil(n * 0.3); i++) work.push(userAdd(cycle, i));
    // MIM sends one change per object in a run (a failed one comes back merged with what is new),
    // so a user whose title is already in this run, retried, is not given a second one.
    const titled = new Set(work.map((p) => p.label));
    const untitled = (ids: readonly string[]) => ids.filter((id) => !titled.has(`jobTitle ${id}`));
    for (let i = 0; i < Math.ceil(n * 0.3); i++) {
      const free = untitled(originalUsers);
      if (free.length === 0) break;
      const id = pick(free);
      titled.add(`jobTitle ${id}`);
      work.push(titleUpdate(id, `Title ${cycle}.${i}`));
    }
    for (let i = 0; i < Math.ceil(n * 0.3); i++) work.push(memberAdd(pick(groups), pick(originalUsers)));
    const deletable = [...created.entries()].filter(([, c]) => c.id && !c.deleted);
    for (const [upn, c] of deletable.slice(0, Math.ceil(n * 0.1))) work.push(userDelete(upn, c.id as string));
    // Some exported users get a title in the same run as they were created by an earlier one.
    for (const [, c] of deletable.slice(-2))
      if (c.id && untitled([c.id]).length > 0) work.push(titleUpdate(c.id, `Late ${cycle}`));
    say(`cycle ${cycle + 1}/${o.cycles}: export of ${work.length} changes (${pending.length} retried)`);
    pending = await exportRun(work, cycle === killCycle ? 1 : undefined);
    if (cycle === expiryCycle) {
      // The delta link outlives Graph's limit: the next delta import must heal itself.
      emu.advanceClock(3700);
      deltaExpiries++;
    }
    say(`cycle ${cycle + 1}/${o.cycles}: delta import`);
    await importRun('Delta');
  }
  // Whatever failed in the last cycle gets its next export.
  for (let round = 0; round < 3 && pending.length > 0; round++) pending = await exportRun(pending, undefined);
  await importRun('Delta');
  await worker!.stop();

  // ---- compare: imports vs emulator, object by object
  const importMismatches: string[] = [];
  const store = emu.context.store;
  const live = [...store.all('user'), ...store.all('group')];
  for (const obj of live) {
    const mine = cs.get(obj.id);
    if (!mine) {
      importMismatches.push(`${obj.id}: in the emulator, not imported`);
      continue;
    }
    const one = (name: string) => mine.attrs.get(name)?.[0]?.value;
    if (one('displayName') !== obj.props.displayName)
      importMismatches.push(
        `${obj.id}: displayName ${String(one('displayName'))} ≠ ${String(obj.props.displayName)}`,
      );
    if ((one('jobTitle') ?? null) !== (obj.props.jobTitle ?? null))
      importMismatches.push(`${obj.id}: jobTitle ${String(one('jobTitle'))} ≠ ${String(obj.props.jobTitle)}`);
    if (obj.members) {
      const imported = new Set((mine.attrs.get('members') ?? []).map((x) => String(x.value)));
      // Members of types the run does not import (contacts) are dropped by the connector, by design.
      const imported2 = new Set(['user', 'group']);
      const actual = new Set([...obj.members].filter((m) => imported2.has(store.active(m)?.type ?? '')));
      const missing = [...actual].filter((m) => !imported.has(m));
      const extra = [...imported].filter((m) => !actual.has(m));
      if (missing.length || extra.length)
        importMismatches.push(`${obj.id}: members missing ${missing.join(',')} extra ${extra.join(',')}`);
    }
  }
  const liveIds = new Set(live.map((x) => x.id));
  for (const id of cs.keys())
    if (!liveIds.has(id)) importMismatches.push(`${id}: imported, not in the emulator`);

  // ---- compare: exports vs emulator
  const exportMismatches: string[] = [];
  const duplicates: string[] = [];
  const byUpn = new Map<string, string[]>();
  for (const u of store.all('user')) {
    const upn = String(u.props.userPrincipalName ?? '').toLowerCase();
    byUpn.set(upn, [...(byUpn.get(upn) ?? []), u.id]);
  }
  for (const [upn, ids] of byUpn) if (ids.length > 1) duplicates.push(`${upn} × ${ids.length}`);
  for (const [upn, c] of created) {
    const ids = byUpn.get(upn.toLowerCase()) ?? [];
    if (c.deleted) {
      if (ids.length > 0) exportMismatches.push(`${upn}: deleted, still active`);
      continue;
    }
    if (ids.length !== 1) {
      exportMismatches.push(`${upn}: ${ids.length} active users`);
      continue;
    }
    const u = store.active(ids[0] as string);
    if (c.jobTitle !== undefined && u?.props.jobTitle !== c.jobTitle)
      exportMismatches.push(`${upn}: jobTitle ${String(u?.props.jobTitle)} ≠ ${c.jobTitle}`);
  }
  for (const [id, title] of titles) {
    const u = store.active(id);
    if (u?.props.jobTitle !== title)
      exportMismatches.push(`${id}: jobTitle ${String(u?.props.jobTitle)} ≠ ${title}`);
  }
  for (const [gid, users] of memberAdds) {
    const g = store.active(gid);
    for (const m of users) if (!g?.members?.has(m)) exportMismatches.push(`${gid}: member ${m} missing`);
  }

  const c = emu.context.counters;
  const emulatorCounters = {
    requests: c.requests,
    tokensIssued: c.tokensIssued,
    writes: c.writes,
    injected: { ...c.injected },
  };
  await emu.close();

  // ---- the secret scan: every file the run wrote, every error text, every process started
  writeFileSync(join(o.dir, 'results.json'), JSON.stringify(results));
  writeFileSync(join(o.dir, 'errors.txt'), errorTexts.join('\n'));
  const needles: [string, string][] = [
    ['client secret', secret],
    ['certificate password', cert.pfxPassword],
    ['exported password', exportPassword],
    ...keyLines(cert.keyPem).map((l, i): [string, string] => [`private key line ${i + 1}`, l]),
  ];
  const jwt = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/;
  const secretHits: string[] = [];
  let scannedFiles = 0;
  const scan = (where: string, text: string) => {
    for (const [what, needle] of needles)
      if (needle && text.includes(needle)) secretHits.push(`${what} in ${where}`);
    if (jwt.test(text)) secretHits.push(`an access token in ${where}`);
  };
  for (const f of readdirSync(o.dir, { recursive: true, withFileTypes: true })) {
    if (!f.isFile()) continue;
    const path = join(f.parentPath, f.name);
    if (path === certFile) continue; // the credential itself
    scannedFiles++;
    scan(path, readFileSync(path, 'utf8'));
  }
  processes.forEach((p, i) => {
    scan(`command line of worker ${i + 1} (pid ${p.pid})`, p.commandLine);
    scan(`environment of worker ${i + 1} (pid ${p.pid})`, p.environment);
  });
  scan('the soak process command line', process.argv.join(' '));

  return {
    cycles: o.cycles,
    exported,
    failedEntries,
    unansweredEntries,
    failedTwice,
    pendingAtEnd: pending.length,
    workersStarted,
    workerKills,
    deltaExpiries,
    emulatorCounters,
    importMismatches,
    exportMismatches,
    duplicates,
    secretHits,
    scannedFiles,
    scannedProcesses: processes.length,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
}

/** The base64 lines of a PEM private key: any one of them appearing anywhere is a leak. */
function keyLines(pem: string): string[] {
  return pem
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length >= 40 && !l.startsWith('-----'));
}

export { CallError };
