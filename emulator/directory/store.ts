import { randomUUID } from 'node:crypto';
import { entityType } from '../model/entities.js';
import type { EntityTypeName } from '../model/types.js';

/**
 * The emulator's directory: every object ever created, with the bookkeeping Graph's delta query
 * needs. Each change takes a new sequence number; an object's entry in the change log moves to its
 * newest change, so a delta round walks only the objects changed since its token's sequence.
 */

export type ObjectState = 'active' | 'soft' | 'gone';
export type RelationKind = 'members' | 'owners';

export interface RelChange {
  readonly seq: number;
  readonly rel: RelationKind;
  readonly id: string;
  readonly op: 'add' | 'remove';
}

export interface DirObject {
  readonly id: string;
  readonly type: EntityTypeName;
  /** Graph properties, `id` included; unset properties are absent. */
  props: Record<string, unknown>;
  state: ObjectState;
  /** Sequence of the last change of each property; absent = part of the initial load (0). */
  propSeq: Record<string, number>;
  /** Sequence of creation, deletion or restore. */
  stateSeq: number;
  /** Where this object sits in the change log (0 = never changed since load). */
  logSeq: number;
  orderIndex: number;
  members?: Set<string>;
  owners?: Set<string>;
  relLog?: RelChange[];
  manager?: string;
  managerSeq?: number;
  previousManager?: string;
  deletedAt?: number;
}

const TYPES: EntityTypeName[] = [
  'user',
  'group',
  'orgContact',
  'servicePrincipal',
  'application',
  'extensionProperty',
  'invitation',
];

export class DirectoryStore {
  /** Identifies this store's history: delta tokens from another history are expired. */
  epoch: string = randomUUID();
  seq = 0;
  private readonly byId = new Map<string, DirObject>();
  private readonly order = new Map<EntityTypeName, string[]>(TYPES.map((t) => [t, []]));
  private log: (DirObject | undefined)[] = [undefined];
  private readonly unique = new Map<string, Map<string, string>>();
  private readonly memberOfIndex = new Map<string, Set<string>>();
  private readonly reportsIndex = new Map<string, Set<string>>();
  /** Owning application id of each extension property object, by extension name. */
  private readonly extensionIndex = new Map<string, DirObject>();

  constructor(readonly domains: string[]) {}

  get primaryDomain(): string {
    return this.domains[0] ?? 'contoso.onmicrosoft.com';
  }

  get(id: string): DirObject | undefined {
    return this.byId.get(id.toLowerCase());
  }

  active(id: string, type?: EntityTypeName): DirObject | undefined {
    const o = this.get(id);
    return o && o.state === 'active' && (!type || o.type === type) ? o : undefined;
  }

  /** By id, or by an alternate key (`userPrincipalName` for users, `appId`). */
  resolve(key: string, type: EntityTypeName): DirObject | undefined {
    const direct = this.active(key, type);
    if (direct) return direct;
    const alt = entityType(type).alternateKeys ?? [];
    for (const prop of alt) {
      const id = this.unique.get(`${type}.${prop}`)?.get(key.toLowerCase());
      if (id) return this.active(id, type);
    }
    return undefined;
  }

  findUnique(type: EntityTypeName, prop: string, value: string): DirObject | undefined {
    const id = this.unique.get(`${type}.${prop}`)?.get(value.toLowerCase());
    return id ? this.active(id) : undefined;
  }

  /** Ids of the type in enumeration order, with holes for objects that moved or left. */
  orderOf(type: EntityTypeName): readonly string[] {
    return this.order.get(type)!;
  }

  /** The object at position `i` of the enumeration order, if it is active and still there. */
  atOrder(type: EntityTypeName, i: number): DirObject | undefined {
    const id = this.order.get(type)![i];
    if (id === undefined) return undefined;
    const o = this.byId.get(id);
    return o && o.state === 'active' && o.orderIndex === i ? o : undefined;
  }

  *all(type: EntityTypeName): Generator<DirObject> {
    const ids = this.order.get(type)!;
    for (let i = 0; i < ids.length; i++) {
      const o = this.atOrder(type, i);
      if (o) yield o;
    }
  }

  *softDeleted(type?: EntityTypeName): Generator<DirObject> {
    for (const o of this.byId.values()) if (o.state === 'soft' && (!type || o.type === type)) yield o;
  }

  /** The object whose current change-log entry is at `seq`. */
  logAt(seq: number): DirObject | undefined {
    return this.log[seq];
  }

  get logLength(): number {
    return this.log.length;
  }

  // ---- changes ----------------------------------------------------------------------------

  /** Gives the object a new sequence number and moves its change-log entry there. */
  private touch(o: DirObject, initial: boolean): number {
    if (initial) return 0;
    const s = ++this.seq;
    if (o.logSeq) this.log[o.logSeq] = undefined;
    this.log[s] = o;
    o.logSeq = s;
    return s;
  }

  /**
   * Adds an object. `initial` objects belong to the loaded tenant (sequence 0) and are not in the
   * change log; later ones are changes that delta rounds report.
   */
  insert(type: EntityTypeName, props: Record<string, unknown>, initial = false): DirObject {
    const id = String(props.id ?? randomUUID()).toLowerCase();
    const o: DirObject = {
      id,
      type,
      props: { ...props, id },
      state: 'active',
      propSeq: {},
      stateSeq: 0,
      logSeq: 0,
      orderIndex: -1,
    };
    if (type === 'group') o.members = new Set();
    if (type === 'group' || type === 'servicePrincipal' || type === 'application') o.owners = new Set();
    const s = this.touch(o, initial);
    o.stateSeq = s;
    if (s) for (const k of Object.keys(o.props)) o.propSeq[k] = s;
    this.byId.set(id, o);
    this.enter(o);
    return o;
  }

  /** Sets (value) or clears (null/undefined) properties; returns the names that really changed. */
  update(o: DirObject, patch: Record<string, unknown>, initial = false): string[] {
    const changed = Object.keys(patch).filter((k) => !sameValue(o.props[k], patch[k]));
    if (changed.length === 0) return [];
    this.leaveUnique(o);
    const s = this.touch(o, initial);
    for (const k of changed) {
      const v = patch[k];
      if (v === null || v === undefined) delete o.props[k];
      else o.props[k] = v;
      if (s) o.propSeq[k] = s;
    }
    this.enterUnique(o);
    if (o.type === 'extensionProperty') this.extensionIndex.set(String(o.props.name), o);
    return changed;
  }

  /** Soft delete (restorable from deletedItems) or permanent deletion. */
  remove(o: DirObject, permanent: boolean, now: number): void {
    if (o.state === 'active') this.leave(o);
    if (permanent) {
      this.unlinkEverywhere(o);
      o.state = 'gone';
      o.props = { id: o.id };
      o.members = undefined;
      o.owners = undefined;
    } else {
      o.state = 'soft';
      o.props.deletedDateTime = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
    o.deletedAt = now;
    o.stateSeq = this.touch(o, false);
  }

  restore(o: DirObject): void {
    o.state = 'active';
    delete o.props.deletedDateTime;
    o.deletedAt = undefined;
    o.stateSeq = this.touch(o, false);
    for (const k of Object.keys(o.props)) o.propSeq[k] = o.stateSeq;
    this.enter(o);
  }

  addRelation(owner: DirObject, rel: RelationKind, target: string, initial = false): boolean {
    const set = owner[rel];
    if (!set || set.has(target)) return false;
    set.add(target);
    if (rel === 'members') indexAdd(this.memberOfIndex, target, owner.id);
    const s = this.touch(owner, initial);
    if (s) this.logRelation(owner, { seq: s, rel, id: target, op: 'add' });
    return true;
  }

  removeRelation(owner: DirObject, rel: RelationKind, target: string): boolean {
    const set = owner[rel];
    if (!set?.delete(target)) return false;
    if (rel === 'members') indexRemove(this.memberOfIndex, target, owner.id);
    const s = this.touch(owner, false);
    this.logRelation(owner, { seq: s, rel, id: target, op: 'remove' });
    return true;
  }

  private logRelation(owner: DirObject, change: RelChange): void {
    if (owner.relLog) owner.relLog.push(change);
    else owner.relLog = [change];
  }

  setManager(user: DirObject, managerId: string | undefined, initial = false): boolean {
    if (user.manager === managerId) return false;
    if (user.manager) indexRemove(this.reportsIndex, user.manager, user.id);
    if (managerId) indexAdd(this.reportsIndex, managerId, user.id);
    user.previousManager = user.manager;
    user.manager = managerId;
    const s = this.touch(user, initial);
    if (s) user.managerSeq = s;
    return true;
  }

  groupsOf(memberId: string): string[] {
    return [...(this.memberOfIndex.get(memberId) ?? [])];
  }

  reportsOf(managerId: string): string[] {
    return [...(this.reportsIndex.get(managerId) ?? [])];
  }

  extensionProperty(name: string): DirObject | undefined {
    const o = this.extensionIndex.get(name);
    return o?.state === 'active' ? o : undefined;
  }

  extensionProperties(): DirObject[] {
    return [...this.extensionIndex.values()].filter((o) => o.state === 'active');
  }

  count(type: EntityTypeName): number {
    let n = 0;
    for (const _ of this.all(type)) n++;
    return n;
  }

  // ---- internals --------------------------------------------------------------------------

  private enter(o: DirObject): void {
    const ids = this.order.get(o.type)!;
    o.orderIndex = ids.length;
    ids.push(o.id);
    this.enterUnique(o);
    if (o.type === 'extensionProperty') this.extensionIndex.set(String(o.props.name), o);
  }

  private leave(o: DirObject): void {
    this.leaveUnique(o);
    o.orderIndex = -1;
  }

  private uniqueProps(o: DirObject): string[] {
    return entityType(o.type)
      .properties.filter((p) => p.unique)
      .map((p) => p.name);
  }

  private enterUnique(o: DirObject): void {
    for (const prop of this.uniqueProps(o)) {
      const v = o.props[prop];
      if (typeof v !== 'string') continue;
      const key = `${o.type}.${prop}`;
      const idx = this.unique.get(key) ?? new Map<string, string>();
      this.unique.set(key, idx);
      idx.set(v.toLowerCase(), o.id);
    }
  }

  private leaveUnique(o: DirObject): void {
    for (const prop of this.uniqueProps(o)) {
      const v = o.props[prop];
      if (typeof v !== 'string') continue;
      const idx = this.unique.get(`${o.type}.${prop}`);
      if (idx?.get(v.toLowerCase()) === o.id) idx.delete(v.toLowerCase());
    }
  }

  /** A permanently deleted object leaves every group, owner list and manager link. */
  private unlinkEverywhere(o: DirObject): void {
    for (const gid of this.groupsOf(o.id)) {
      const g = this.get(gid);
      if (g) this.removeRelation(g, 'members', o.id);
    }
    for (const owner of this.byId.values()) {
      if (owner.owners?.has(o.id)) this.removeRelation(owner, 'owners', o.id);
    }
    for (const uid of this.reportsOf(o.id)) {
      const u = this.get(uid);
      if (u) this.setManager(u, undefined);
    }
    if (o.manager) indexRemove(this.reportsIndex, o.manager, o.id);
    if (o.members) for (const m of o.members) indexRemove(this.memberOfIndex, m, o.id);
  }

  // ---- persistence ------------------------------------------------------------------------

  toJSON(): PersistedStore {
    const objects: PersistedObject[] = [];
    for (const o of this.byId.values()) {
      objects.push({
        id: o.id,
        type: o.type,
        props: o.props,
        state: o.state,
        propSeq: o.propSeq,
        stateSeq: o.stateSeq,
        logSeq: o.logSeq,
        members: o.members ? [...o.members] : undefined,
        owners: o.owners ? [...o.owners] : undefined,
        relLog: o.relLog,
        manager: o.manager,
        managerSeq: o.managerSeq,
        previousManager: o.previousManager,
        deletedAt: o.deletedAt,
        orderIndex: o.state === 'active' ? o.orderIndex : undefined,
      });
    }
    return { version: 1, epoch: this.epoch, seq: this.seq, domains: this.domains, objects };
  }

  static fromJSON(data: PersistedStore): DirectoryStore {
    if (data.version !== 1)
      throw new Error(`state file version ${data.version} is not supported (expected 1)`);
    const store = new DirectoryStore(data.domains);
    store.epoch = data.epoch;
    store.seq = data.seq;
    store.log = new Array(data.seq + 1);
    // Active objects keep their place in the enumeration order (holes included), so a nextLink of a
    // first round continues where it stopped; files without places fall back to the saved order.
    const placed: DirObject[] = [];
    for (const p of data.objects) {
      const o: DirObject = {
        id: p.id,
        type: p.type,
        props: p.props,
        state: p.state,
        propSeq: p.propSeq,
        stateSeq: p.stateSeq,
        logSeq: p.logSeq,
        orderIndex: -1,
        members: p.members ? new Set(p.members) : undefined,
        owners: p.owners ? new Set(p.owners) : undefined,
        relLog: p.relLog,
        manager: p.manager,
        managerSeq: p.managerSeq,
        previousManager: p.previousManager,
        deletedAt: p.deletedAt,
      };
      store.byId.set(o.id, o);
      if (o.logSeq) store.log[o.logSeq] = o;
      if (o.state === 'active' && Number.isInteger(p.orderIndex) && p.orderIndex! >= 0) {
        store.order.get(o.type)![p.orderIndex!] = o.id;
        o.orderIndex = p.orderIndex!;
        placed.push(o);
      } else if (o.state === 'active') store.enter(o);
      if (o.members) for (const m of o.members) indexAdd(store.memberOfIndex, m, o.id);
      if (o.manager) indexAdd(store.reportsIndex, o.manager, o.id);
    }
    for (const o of placed) {
      store.enterUnique(o);
      if (o.type === 'extensionProperty') store.extensionIndex.set(String(o.props.name), o);
    }
    return store;
  }
}

export interface PersistedObject {
  id: string;
  type: EntityTypeName;
  props: Record<string, unknown>;
  state: ObjectState;
  propSeq: Record<string, number>;
  stateSeq: number;
  logSeq: number;
  members?: string[] | undefined;
  owners?: string[] | undefined;
  relLog?: RelChange[] | undefined;
  manager?: string | undefined;
  managerSeq?: number | undefined;
  previousManager?: string | undefined;
  deletedAt?: number | undefined;
  /** Place in its type's enumeration order (active objects). */
  orderIndex?: number | undefined;
}

export interface PersistedStore {
  version: 1;
  epoch: string;
  seq: number;
  domains: string[];
  objects: PersistedObject[];
}

function indexAdd(index: Map<string, Set<string>>, key: string, value: string): void {
  const set = index.get(key);
  if (set) set.add(value);
  else index.set(key, new Set([value]));
}

function indexRemove(index: Map<string, Set<string>>, key: string, value: string): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) index.delete(key);
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((a === undefined || a === null) && (b === undefined || b === null)) return true;
  if (typeof a === 'object' && typeof b === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return false;
}
