/**
 * The emulator's description of the directory types it serves. One description drives request
 * validation, $select defaults, $filter support, write rules and the generated $metadata, so what
 * the emulator accepts and what its CSDL says cannot drift apart.
 */

export type Primitive =
  | 'Edm.String'
  | 'Edm.Boolean'
  | 'Edm.Int32'
  | 'Edm.Int64'
  | 'Edm.DateTimeOffset'
  | 'Edm.Date'
  | 'Edm.Guid'
  | 'Edm.Binary';

/** `D` = works with a default query, `A` = needs an advanced query (ConsistencyLevel: eventual + $count=true). */
export type QueryLevel = 'D' | 'A';

/** Filter operators as Graph's per-property support tables name them. */
export type FilterOp = 'eq' | 'ne' | 'not' | 'ge' | 'le' | 'in' | 'startsWith' | 'endsWith' | 'null' | 'any';

export interface PropertyDef {
  readonly name: string;
  /** A primitive, or the name of a complex type in the model (`passwordProfile`). */
  readonly type: Primitive | string;
  readonly collection?: boolean;
  /** CSDL `Nullable="false"`. */
  readonly notNull?: boolean;
  /** Returned on list/get without $select. */
  readonly returnedByDefault?: boolean;
  /** Never returned (passwordProfile). */
  readonly writeOnly?: boolean;
  /** Server-assigned; rejected in POST/PATCH bodies. */
  readonly readOnly?: boolean;
  /** Required on create (POST). */
  readonly requiredOnCreate?: boolean;
  /** $filter operators this property supports, and whether each needs an advanced query. */
  readonly filter?: Partial<Record<FilterOp, QueryLevel>>;
  /** Graph keeps this property unique across the tenant (case-insensitive). */
  readonly unique?: boolean;
}

export interface ComplexTypeDef {
  readonly name: string;
  readonly properties: readonly PropertyDef[];
}

export type RelationName = 'members' | 'owners' | 'manager' | 'memberOf' | 'directReports';

export interface NavigationDef {
  readonly name: RelationName | string;
  /** `directoryObject` or a concrete entity type name. */
  readonly target: string;
  readonly collection: boolean;
  /** Supports `$ref` (add/remove a link). */
  readonly referenceable?: boolean;
  /** Concrete types allowed in the relation (CSDL DerivedTypeConstraint). */
  readonly derivedTypes?: readonly string[];
}

export type EntityTypeName =
  | 'user'
  | 'group'
  | 'orgContact'
  | 'servicePrincipal'
  | 'application'
  | 'extensionProperty'
  | 'invitation';

export interface EntityTypeDef {
  readonly name: EntityTypeName;
  /** The entity set that serves this type (`users`, `contacts`, ...). */
  readonly entitySet: string;
  /** `directoryObject` for directory types, `entity` for invitation. */
  readonly baseType: 'directoryObject' | 'entity';
  readonly properties: readonly PropertyDef[];
  readonly navigation: readonly NavigationDef[];
  /** OData alternate key (`userPrincipalName`, `appId`, ...). */
  readonly alternateKeys?: readonly string[];
  /** Graph's v1.0 offers POST/PATCH/DELETE on the entity set. */
  readonly writable: boolean;
  /** Supports /delta. */
  readonly delta: boolean;
  /** Target name used by extensionProperty.targetObjects (`User`, `Group`). */
  readonly extensionTarget?: string;
}

export interface Model {
  readonly entityTypes: readonly EntityTypeDef[];
  readonly complexTypes: readonly ComplexTypeDef[];
}
