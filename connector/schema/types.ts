import type { ObjectTypeName } from '../config/types.js';
import type { AttributeOperation, AttributeType, Schema } from '../model/ecma.js';

/**
 * What the connector knows of one MIM attribute beyond MIM's schema: where it lives in Graph's JSON
 * and how its values convert. Import (Graph → MIM) and export (MIM → Graph) both go through it.
 */
export interface AttributeInfo {
  /** MIM attribute name: Graph's property name, dotted for a complex property's member. */
  readonly name: string;
  readonly objectType: ObjectTypeName;
  /** Graph property path: ['onPremisesExtensionAttributes', 'extensionAttribute1'], or [name]. */
  readonly path: readonly string[];
  /** Graph type: 'Edm.String', 'Edm.DateTimeOffset', ..., an enum or complex type name. */
  readonly edmType: string;
  readonly dataType: AttributeType;
  readonly multiValued: boolean;
  readonly operation: AttributeOperation;
  /** Navigation property carried as a reference (`members`, `owners`, `manager`). */
  readonly relation?: 'members' | 'owners' | 'manager' | undefined;
  /** A collection of a complex type: each value is one element as compact JSON text. */
  readonly jsonElements?: boolean | undefined;
  /** A directory extension property (`extension_<appid>_<name>`). */
  readonly extension?: boolean | undefined;
  /** Graph returns it only when named in $select. */
  readonly selectOnly?: boolean | undefined;
}

export interface AttributeMap {
  get(objectType: ObjectTypeName, name: string): AttributeInfo | undefined;
  forType(objectType: ObjectTypeName): readonly AttributeInfo[];
}

/** Schema detection's result: MIM's schema, the attribute map behind it, and any warning to show. */
export interface DetectedSchema {
  readonly schema: Schema;
  readonly attributes: AttributeMap;
  readonly warnings: readonly string[];
  /** Detection could not use Graph and fell back to the snapshot shipped with the connector. */
  readonly fromSnapshot?: boolean;
}
