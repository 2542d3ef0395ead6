import { createHash } from 'node:crypto';
import type { ConnectorConfig, ObjectTypeName } from '../config/types.js';
import { ENTITY_SETS } from '../config/types.js';
import { ConnectorError, type Schema } from '../model/ecma.js';
import type { Logger } from '../runtime/log.js';
import type { AttributeInfo, AttributeMap } from '../schema/types.js';
import { compileScope, type Scope } from './scope.js';

/** What import reads of one object type: MIM's selected attributes and where they live in Graph. */
export interface TypePlan {
  readonly type: ObjectTypeName;
  /** Entity set: `users`. */
  readonly set: string;
  /** Selected attributes (anchor excluded), in the order of the state file's rows. */
  readonly attributes: readonly AttributeInfo[];
  /** Top-level Graph properties for list and GET calls ($select). */
  readonly select: readonly string[];
  /** Relations selected in MIM (`members`, `owners`, `manager`). */
  readonly relations: readonly ('members' | 'owners' | 'manager')[];
  /** The object filter, when one is configured for the type. */
  readonly scope?: Scope | undefined;
}

const ANCHOR = 'id';

export function fingerprint(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export function buildPlans(
  config: ConnectorConfig,
  schema: Schema,
  attributes: AttributeMap,
  log: Logger,
): TypePlan[] {
  const plans: TypePlan[] = [];
  for (const st of schema.types) {
    const type = st.name as ObjectTypeName;
    if (!(type in ENTITY_SETS)) {
      throw new ConnectorError('ExtensibleExtension', `the schema names an unknown object type '${st.name}'`);
    }
    const infos: AttributeInfo[] = [];
    for (const a of st.attributes) {
      if (a.anchor || a.name === ANCHOR) continue;
      if (a.operation === 'ExportOnly') continue;
      const info = attributes.get(type, a.name);
      if (!info) {
        log.warn('attribute selected in MIM is unknown to the connector; it is not imported', {
          objectType: type,
          attribute: a.name,
        });
        continue;
      }
      if (info.operation === 'ExportOnly') continue;
      infos.push(info);
    }
    const select = new Set<string>();
    const relations: TypePlan['relations'][number][] = [];
    for (const i of infos) {
      if (i.relation) relations.push(i.relation);
      else if (i.path[0]) select.add(i.path[0]);
    }
    const filterText = config.filters[type]?.trim();
    let scope: Scope | undefined;
    if (filterText) scope = compileScope(filterText, type);
    plans.push({ type, set: ENTITY_SETS[type], attributes: infos, select: [...select], relations, scope });
  }
  return plans;
}

/** $select of a delta round: the attributes, the relations, and what the filter reads. */
export function deltaSelect(plan: TypePlan): string[] {
  const s = new Set(['id', ...plan.select, ...plan.relations]);
  for (const p of plan.scope?.properties ?? []) s.add(p);
  return [...s];
}

/** $select of list and GET calls: the structural attributes and what the filter reads. */
export function objectSelect(plan: TypePlan): string[] {
  const s = new Set(['id', ...plan.select]);
  for (const p of plan.scope?.properties ?? []) s.add(p);
  return [...s];
}
