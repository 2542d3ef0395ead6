/**
 * MIM's ECMA2 types as JSON-serialisable TypeScript: what crosses the channel between the .NET
 * bridge and the connector. Enum members are MIM's own names, so the bridge maps them by name.
 * The JSON Schema of these shapes is schemas/bridge-protocol.schema.json.
 */

// ---- values --------------------------------------------------------------------------------

export type AttributeType = 'String' | 'Integer' | 'Reference' | 'Binary' | 'Boolean';

/**
 * A value typed on the wire, so nothing is lost between TypeScript and .NET: Int64 as a decimal
 * string (beyond 2^53), binary as base64, references as the referenced object's DN (= its Graph id).
 */
export type TypedValue =
  | { readonly type: 'String'; readonly value: string }
  | { readonly type: 'Integer'; readonly value: string }
  | { readonly type: 'Reference'; readonly value: string }
  | { readonly type: 'Binary'; readonly value: string }
  | { readonly type: 'Boolean'; readonly value: boolean };

export type ValueModification = 'Add' | 'Delete';

export interface ValueChange {
  readonly modification: ValueModification;
  readonly value: TypedValue;
}

// ---- changes -------------------------------------------------------------------------------

export type AttributeModification = 'Add' | 'Replace' | 'Update' | 'Delete';

export interface AttributeChange {
  readonly name: string;
  readonly modification: AttributeModification;
  /** Empty for Delete. */
  readonly values: readonly ValueChange[];
  /** Set by the engine on export (from the schema); absent on connector-made changes. */
  readonly dataType?: AttributeType;
  readonly isMultiValued?: boolean;
}

export type ObjectModification = 'Add' | 'Replace' | 'Update' | 'Delete';

export interface AnchorAttribute {
  readonly name: string;
  readonly value: TypedValue;
}

export type MAImportError =
  | 'Success'
  | 'ImportErrorInvalidAttributeValue'
  | 'ImportErrorCustomStopRun'
  | 'ImportErrorCustomContinueRun';

export interface CSEntryChange {
  /** GUID; on export, the key the result must carry. */
  readonly identifier: string;
  readonly objectType: string;
  readonly modification: ObjectModification;
  /** The object's DN: its Graph `id` (see capabilities). */
  readonly dn?: string | undefined;
  readonly anchors: readonly AnchorAttribute[];
  readonly attributes: readonly AttributeChange[];
  readonly errorCodeImport?: MAImportError | undefined;
  readonly errorName?: string | undefined;
  readonly errorDetail?: string | undefined;
}

// ---- export results ------------------------------------------------------------------------

export type MAExportError =
  | 'Success'
  | 'ExportActionConvertUpdateToAdd'
  | 'ExportActionRetryReferenceAttribute'
  | 'ExportErrorConnectedDirectoryError'
  | 'ExportErrorConnectedDirectoryMissingObject'
  | 'ExportErrorConnectedDirectoryExistingObject'
  | 'ExportErrorReferenceAttributeFailure'
  | 'ExportErrorPasswordPolicyViolation'
  | 'ExportErrorInvalidDN'
  | 'ExportErrorConstraintViolation'
  | 'ExportErrorSyntaxViolation'
  | 'ExportErrorPermissionIssue'
  | 'ExportErrorMissingProvisioningAttribute'
  | 'ExportErrorInvalidProvisioningAttributeValue'
  | 'ExportErrorInvalidAttributeValue'
  | 'ExportErrorCustomStopRun'
  | 'ExportErrorCustomContinueRun';

export interface CSEntryChangeResult {
  readonly identifier: string;
  readonly errorCode: MAExportError;
  /** Anchor values Graph assigned (the new `id` of an Add), as Add attribute changes. */
  readonly anchors: readonly AttributeChange[];
  readonly errorName?: string | undefined;
  readonly errorDetail?: string | undefined;
}

// ---- schema --------------------------------------------------------------------------------

export type AttributeOperation = 'ImportExport' | 'ImportOnly' | 'ExportOnly';

export interface SchemaAttribute {
  readonly name: string;
  readonly dataType: AttributeType;
  readonly multiValued: boolean;
  readonly anchor: boolean;
  readonly operation: AttributeOperation;
  readonly hiddenByDefault?: boolean;
}

export interface SchemaType {
  readonly name: string;
  /** The anchor definition is fixed by the connector. */
  readonly locked: boolean;
  readonly attributes: readonly SchemaAttribute[];
  readonly possibleDnComponents?: readonly string[];
}

export interface Schema {
  readonly types: readonly SchemaType[];
}

// ---- capabilities and parameters -----------------------------------------------------------

export interface MACapabilities {
  readonly distinguishedNameStyle: 'None' | 'Generic' | 'Ldap';
  readonly objectRename: boolean;
  readonly noReferenceValuesInFirstExport: boolean;
  readonly deltaImport: boolean;
  readonly concurrentOperation: boolean;
  readonly deleteAddAsReplace: boolean;
  readonly exportPasswordInFirstPass: boolean;
  readonly fullExport: boolean;
  readonly objectConfirmation: 'Normal' | 'NoDeleteConfirmation' | 'NoAddAndDeleteConfirmation';
  readonly exportType:
    | 'AttributeUpdate'
    | 'AttributeReplace'
    | 'ObjectReplace'
    | 'MultivaluedReferenceAttributeUpdate';
  readonly normalizations: 'None' | 'Uppercase' | 'RemoveAccents';
  readonly isDnAsAnchor: boolean;
  readonly supportImport: boolean;
  readonly supportExport: boolean;
  readonly supportPartitions: boolean;
  readonly supportPassword: boolean;
  readonly supportHierarchy: boolean;
}

export type ConfigParameterPage =
  | 'Connectivity'
  | 'Global'
  | 'RunStep'
  | 'Partition'
  | 'Capabilities'
  | 'Schema';

export type ConfigParameterType =
  | 'String'
  | 'EncryptedString'
  | 'Label'
  | 'Text'
  | 'DropDown'
  | 'CheckBox'
  | 'Divider'
  | 'File';

export interface ConfigParameterDefinition {
  readonly name: string;
  readonly type: ConfigParameterType;
  /** Label text. */
  readonly text?: string;
  /** Regex (String/EncryptedString) or the comma-separated choices (DropDown), as MIM stores it. */
  readonly validation?: string;
  readonly defaultValue?: string;
  readonly dropDownExtensible?: boolean;
}

/**
 * The values MIM hands back, keyed by parameter name (MIM's collection is case-sensitive).
 * Encrypted ones arrive as plain strings over the channel and live only in memory.
 */
export type ConfigValues = Readonly<Record<string, { readonly value: string; readonly encrypted?: boolean }>>;

export interface ParameterValidationResult {
  readonly code: 'Success' | 'Failure';
  readonly errorMessage?: string | undefined;
  readonly errorParameter?: string | undefined;
}

// ---- run steps -----------------------------------------------------------------------------

export type OperationType = 'Full' | 'FullObject' | 'Delta';
export type CloseReason =
  | 'Normal'
  | 'TerminatedByUser'
  | 'TerminatedShuttingDown'
  | 'OpenConnectionFailure'
  | 'Unknown';

export interface OpenImportRunStep {
  readonly importType: OperationType;
  readonly pageSize: number;
  /** The watermark MIM kept from the last successful import. */
  readonly customData?: string | null | undefined;
}

export interface GetImportEntriesRunStep {
  readonly customData?: string | null | undefined;
}

export interface GetImportEntriesResults {
  readonly entries: readonly CSEntryChange[];
  readonly moreToImport: boolean;
  readonly customData?: string | null | undefined;
}

export interface CloseImportRunStep {
  readonly reason: CloseReason;
  readonly customData?: string | null | undefined;
}

export interface ImportResults {
  /** For Close: the watermark MIM persists. */
  readonly customData: string | null;
}

export interface OpenExportRunStep {
  readonly exportType: OperationType;
  readonly batchSize: number;
}

export interface PutExportEntriesResults {
  readonly results: readonly CSEntryChangeResult[];
}

export interface CloseExportRunStep {
  readonly reason: CloseReason;
}

// ---- passwords -----------------------------------------------------------------------------

/** What the bridge copies from MIM's CSEntry for a password call. */
export interface PasswordTarget {
  readonly dn: string;
  readonly objectType: string;
  /** The anchor (`id`); equal to the DN for this connector. */
  readonly anchor?: string | undefined;
}

export interface PasswordOptions {
  readonly forceChangeAtLogOn: boolean;
  readonly unlockAccount: boolean;
  readonly validatePassword: boolean;
}

// ---- failures that stop a call -------------------------------------------------------------

/** MIM's ExtensionException family, by name; the bridge throws the matching .NET exception. */
export type MimErrorCode =
  | 'BadServerCredentials'
  | 'ServerDown'
  | 'UnexpectedData'
  | 'WarningNoWatermark'
  | 'ExtensibleExtension'
  | 'EntryPointNotImplemented'
  | 'TerminateRun'
  | 'ObjectNotFound'
  | 'AccessDenied'
  | 'PasswordIllFormed'
  | 'PasswordPolicyViolation'
  | 'PasswordExtension';

/** A failure that stops the call; its message names what is wrong and how to fix it. */
export class ConnectorError extends Error {
  constructor(
    readonly code: MimErrorCode,
    message: string,
    /** Machine-readable detail: Graph code, request-id, parameter name. */
    readonly detail?: Readonly<Record<string, string | number | boolean>>,
  ) {
    super(message);
    this.name = 'ConnectorError';
  }
}
