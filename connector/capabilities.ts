import type { ConfigValues, MACapabilities } from './model/ecma.js';

/**
 * What this connector tells MIM it can do. MIM caches the answer in the MA configuration when the MA
 * is created and the designer's capabilities cannot be changed afterwards, so the answer does not
 * depend on any parameter value (`values` is accepted for GetCapabilitiesEx and ignored).
 */
export function getCapabilities(_values: ConfigValues): MACapabilities {
  return {
    // The anchor is Graph's `id`: immutable, unique across directory objects and assigned by Graph on
    // create (returned to MIM as the anchor of the Add's CSEntryChangeResult). The DN is that same id
    // as an opaque string (Generic: no LDAP syntax, no containers); `isDnAsAnchor` stays false because
    // that setting belongs to Ldap-style DNs, and the anchor attribute `id` is declared in the schema.
    distinguishedNameStyle: 'Generic',
    isDnAsAnchor: false,
    // An id never changes, so there is nothing to rename; a changed userPrincipalName or displayName is
    // an ordinary attribute update.
    objectRename: false,
    // Graph's directory has no hierarchy (administrative units are objects, not containers) and one
    // tenant is one partition.
    supportHierarchy: false,
    supportPartitions: false,
    // A reference to an object created in the same run has no id (= DN) until Graph has created it.
    // MIM holds reference values back for a second export pass, by which time every Add has returned
    // its id, so members/manager/owners point at real objects instead of failing in the first pass.
    noReferenceValuesInFirstExport: true,
    // Per-value deltas for multi-valued attributes: group members and owners become single
    // `members/$ref` POST/DELETE calls instead of rewriting groups with 100,000s of members; single-valued
    // attributes become PATCH properties.
    exportType: 'AttributeUpdate',
    // Every exported add, update and delete is confirmed by the next import (delta import sees it).
    objectConfirmation: 'Normal',
    // Graph's /delta queries give changes since a deltaLink, kept as MIM's watermark (CustomData).
    deltaImport: true,
    // Runs of other MAs (and of other instances of this one) may overlap: every call keeps its own
    // state, and Graph's write budget, which is per app and tenant and not per run, is shared by all
    // clients of that app+tenant in the process through one governor (connector/graph/governor.ts),
    // which also backs off when Graph throttles. Separate app registrations per MA remain advisable.
    concurrentOperation: true,
    // A delete+add of the same object stays two operations; Graph cannot replace an object in place.
    deleteAddAsReplace: false,
    // Full Export would re-send every object; Graph has no bulk replace, and delta export is enough.
    fullExport: false,
    // Password set (reset) through passwordProfile and change through changePassword are offered.
    supportPassword: true,
    // Graph refuses to create a user without passwordProfile.password, so the provisioning password
    // must travel with the create rather than in a later password pass.
    exportPasswordInFirstPass: true,
    // Graph ids are lowercase GUIDs already; MIM must not change the anchor values.
    normalizations: 'None',
    supportImport: true,
    supportExport: true,
  };
}
