import { ENTITY_SETS, type ObjectTypeName } from '../config/types.js';
import type { AttributeChange, CSEntryChange, TypedValue } from '../model/ecma.js';
import type { AttributeMap } from '../schema/types.js';
import type { PlaceholderMap } from './placeholders.js';
import { isGuid, toGraphValue, ValueError } from './values.js';
import { fail, newWork, type Work } from './work.js';

/** MIM's name for the password of a new object (exportPasswordInFirstPass). */
export const EXPORT_PASSWORD = 'export_password';

/** Types Graph v1.0 lets an application write. */
const WRITABLE: ReadonlySet<ObjectTypeName> = new Set([
  'user',
  'group',
  'servicePrincipal',
  'administrativeUnit',
]);

/**
 * Turns one CSEntryChange into Work: validates every attribute against the attribute map (unknown,
 * import-only, value types) and sorts the changes into properties, complex members, value deltas,
 * reference changes and the manager. Nothing is sent here; a refused entry carries its failure.
 */
export function prepare(entry: CSEntryChange, attributes: AttributeMap, placeholders: PlaceholderMap): Work {
  const type = entry.objectType as ObjectTypeName;
  const set = ENTITY_SETS[type] ?? `${entry.objectType}s`;
  const w = newWork(entry, type, set);
  if (!(type in ENTITY_SETS)) {
    fail(
      w,
      'ExportErrorCustomContinueRun',
      'UnknownObjectType',
      `object type '${entry.objectType}' is not one this connector offers`,
    );
    return w;
  }
  if (!WRITABLE.has(type)) {
    fail(
      w,
      'ExportErrorCustomContinueRun',
      'ObjectTypeNotWritable',
      `Graph v1.0 offers no writes for ${type} objects (they come from Exchange Online or directory synchronisation); remove the export flows for this type`,
    );
    return w;
  }
  if (entry.modification === 'Add') {
    const known = entry.dn ? placeholders.get(entry.dn) : undefined;
    if (known) {
      // Created by an earlier export whose result MIM did not keep: update it, never create twice.
      w.id = known.id;
      w.fresh = true;
      w.notes.push(
        `an Add for '${entry.dn}' was already created as ${known.id} on ${known.created}; it is updated instead`,
      );
    }
  } else {
    const id = anchorId(entry, placeholders);
    if (!id) {
      fail(
        w,
        'ExportErrorInvalidDN',
        'NoAnchor',
        `the entry has no 'id' anchor and its DN '${entry.dn ?? ''}' is neither a Graph id nor a DN this connector created; run a full import to refresh the connector space`,
      );
      return w;
    }
    w.id = id;
    w.fresh = !!(entry.dn && placeholders.get(entry.dn));
  }
  if (w.del) return w;
  for (const change of entry.attributes) {
    try {
      applyChange(w, change, attributes);
    } catch (e) {
      if (!(e instanceof ValueError)) throw e;
      fail(w, 'ExportErrorInvalidAttributeValue', 'InvalidValue', e.message);
    }
    if (w.failure) return w;
  }
  return w;
}

/** The Graph id of an existing entry: its `id` anchor, else its DN (a Graph id, or a known placeholder). */
export function anchorId(entry: CSEntryChange, placeholders: PlaceholderMap): string | undefined {
  const a = entry.anchors.find((x) => x.name.toLowerCase() === 'id');
  if (a && typeof a.value.value === 'string' && isGuid(a.value.value)) return a.value.value.toLowerCase();
  if (!entry.dn) return undefined;
  const known = placeholders.get(entry.dn);
  if (known) return known.id;
  return isGuid(entry.dn) ? entry.dn.toLowerCase() : undefined;
}

function applyChange(w: Work, change: AttributeChange, attributes: AttributeMap): void {
  if (change.name === EXPORT_PASSWORD) {
    if (w.type !== 'user') {
      fail(
        w,
        'ExportErrorInvalidAttributeValue',
        'PasswordNotSupported',
        `${w.type} objects have no password`,
      );
      return;
    }
    const v = change.values.find((x) => x.modification === 'Add')?.value;
    if (v && typeof v.value === 'string' && v.value !== '') w.password = v.value;
    return;
  }
  const info = attributes.get(w.type, change.name);
  if (!info) {
    fail(
      w,
      'ExportErrorInvalidAttributeValue',
      'UnknownAttribute',
      `attribute '${change.name}' is not in the ${w.type} schema of this connector; refresh the schema in the management agent`,
    );
    return;
  }
  if (info.operation === 'ImportOnly') {
    fail(
      w,
      'ExportErrorInvalidAttributeValue',
      'ReadOnlyAttribute',
      `attribute '${change.name}' is read-only in Graph (import only); remove its export flow`,
    );
    return;
  }
  const adds = change.values.filter((v) => v.modification === 'Add').map((v) => v.value);
  const deletes = change.values.filter((v) => v.modification === 'Delete').map((v) => v.value);
  const mod = change.modification;
  if (info.relation === 'manager') {
    if (mod === 'Delete') w.manager = null;
    else if (adds[0]) w.manager = refDn(adds[0]);
    else if (deletes.length) w.manager = null;
    return;
  }
  if (info.relation === 'members' || info.relation === 'owners') {
    const r = { rel: info.relation, adds: adds.map(refDn), deletes: deletes.map(refDn) } as const;
    if (mod === 'Replace' && !w.add) w.refs.push({ rel: r.rel, adds: [], deletes: [], replace: r.adds });
    else if (mod === 'Delete') w.refs.push({ rel: r.rel, adds: [], deletes: [], replace: [] });
    else w.refs.push({ rel: r.rel, adds: r.adds, deletes: r.deletes });
    return;
  }
  const convert = (v: TypedValue) => toGraphValue(info, v);
  if (info.path.length > 1) {
    const [parent, member] = info.path as [string, string];
    const m = w.complex.get(parent) ?? new Map<string, unknown>();
    w.complex.set(parent, m);
    m.set(member, mod === 'Delete' || adds.length === 0 ? null : convert(adds[0]!));
    return;
  }
  const prop = info.path[0] ?? info.name;
  if (!info.multiValued) {
    w.props.set(prop, mod === 'Delete' || adds.length === 0 ? null : convert(adds[0]!));
    return;
  }
  if (mod === 'Delete') w.props.set(prop, []);
  else if (mod === 'Update' && !w.add)
    w.deltas.set(prop, { info, adds: adds.map(convert), deletes: deletes.map(convert) });
  else w.props.set(prop, adds.map(convert));
}

const refDn = (v: TypedValue) => String(v.value);
