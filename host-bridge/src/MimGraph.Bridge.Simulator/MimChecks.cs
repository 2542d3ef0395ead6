using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.MetadirectoryServices;

namespace MimGraph.Bridge.Simulator
{
    /// <summary>
    /// The checks MIM's engine makes (or the failures it would run into) on what an extension returns.
    /// Each failed check is a <see cref="MimViolation"/>.
    /// </summary>
    internal static class MimChecks
    {
        /// <summary>The CLR type the engine hands out / accepts for a schema type (ecma2-api.md §15.7).</summary>
        internal static Type? ClrTypeOf(AttributeType t) => t switch
        {
            AttributeType.String => typeof(string),
            AttributeType.Reference => typeof(string),
            AttributeType.Integer => typeof(long),
            AttributeType.Binary => typeof(byte[]),
            AttributeType.Boolean => typeof(bool),
            _ => null,
        };

        internal static bool ValueFits(object? value, AttributeType t)
        {
            if (value == null) return false;
            return t switch
            {
                AttributeType.String => value is string,
                AttributeType.Reference => value is string s && s.Length > 0,
                // The engine hands out long; Int16/Int32 are accepted as compatible (Utils.IsTypeCompatible).
                AttributeType.Integer => value is long || value is int || value is short,
                AttributeType.Binary => value is byte[],
                AttributeType.Boolean => value is bool,
                _ => false,
            };
        }

        internal static string Describe(object? v) => v == null ? "null" : $"{v.GetType().Name} '{(v is byte[] b ? Convert.ToBase64String(b) : v)}'";

        // ---- capabilities ------------------------------------------------------------------------

        internal static void Capabilities(MACapabilities? caps, MimViolationLog log)
        {
            const string step = "capabilities";
            if (caps == null)
            {
                log.Add(step, "capabilities.null", "the extension returned no MACapabilities");
                return;
            }
            if (!Enum.IsDefined(typeof(MADistinguishedNameStyle), caps.DistinguishedNameStyle))
                log.Add(step, "capabilities.enum", $"DistinguishedNameStyle {(int)caps.DistinguishedNameStyle} is not a member");
            if (!Enum.IsDefined(typeof(MAExportType), caps.ExportType))
                log.Add(step, "capabilities.enum", $"ExportType {(int)caps.ExportType} is not a member");
            if (!Enum.IsDefined(typeof(MAObjectConfirmation), caps.ObjectConfirmation))
                log.Add(step, "capabilities.enum", $"ObjectConfirmation {(int)caps.ObjectConfirmation} is not a member");
            if (caps.IsDNAsAnchor && caps.DistinguishedNameStyle != MADistinguishedNameStyle.Ldap)
                log.Add(step, "capabilities.dn-as-anchor", "IsDNAsAnchor is only meaningful with the Ldap DN style");
            if (caps.SupportHierarchy && caps.DistinguishedNameStyle != MADistinguishedNameStyle.Ldap)
                log.Add(step, "capabilities.hierarchy", "SupportHierarchy needs the Ldap DN style");
            if (caps.ObjectRename && caps.DistinguishedNameStyle == MADistinguishedNameStyle.None)
                log.Add(step, "capabilities.rename", "ObjectRename with DN style None");
        }

        // ---- parameters --------------------------------------------------------------------------

        internal static void Definitions(string step, IList<ConfigParameterDefinition> defs, ISet<string> seenNames, MimViolationLog log)
        {
            var local = new HashSet<string>(StringComparer.Ordinal);
            foreach (var d in defs)
            {
                if (d == null)
                {
                    log.Add(step, "parameters.null", "a null ConfigParameterDefinition in the list");
                    continue;
                }
                var valueless = d.Type == ConfigParameterType.Label || d.Type == ConfigParameterType.Divider;
                if (valueless)
                {
                    if (!string.IsNullOrEmpty(d.Name))
                        log.Add(step, "parameters.label-name", $"{d.Type} '{d.Name}' has a name; labels and dividers have none");
                    if (d.Type == ConfigParameterType.Label && string.IsNullOrEmpty(d.Text))
                        log.Add(step, "parameters.label-text", "a label without text");
                    continue;
                }
                if (string.IsNullOrEmpty(d.Name))
                {
                    log.Add(step, "parameters.name", $"a {d.Type} parameter without a name");
                    continue;
                }
                if (!local.Add(d.Name))
                    log.Add(step, "parameters.duplicate", $"'{d.Name}' is defined twice on this page");
                else if (!seenNames.Add(d.Name))
                    log.Add(step, "parameters.duplicate", $"'{d.Name}' is already defined on another page (one namespace across pages)");
                if (d.Type == ConfigParameterType.DropDown)
                {
                    var choices = SplitDropDown(d.Validation);
                    if (choices.Count == 0)
                        log.Add(step, "parameters.dropdown", $"drop-down '{d.Name}' has no choices");
                    else if (!string.IsNullOrEmpty(d.DefaultValue) && !d.DropDownExtensible && !choices.Contains(d.DefaultValue))
                        log.Add(step, "parameters.dropdown-default", $"drop-down '{d.Name}' defaults to '{d.DefaultValue}', not one of {string.Join("|", choices)}");
                }
                if (d.Type == ConfigParameterType.CheckBox && !(d.DefaultValue == "" || d.DefaultValue == "0" || d.DefaultValue == "1"))
                    log.Add(step, "parameters.checkbox-default", $"check box '{d.Name}' defaults to '{d.DefaultValue}' (MIM stores 0/1)");
                if ((d.Type == ConfigParameterType.String || d.Type == ConfigParameterType.EncryptedString) && !string.IsNullOrEmpty(d.Validation))
                {
                    try
                    {
                        _ = new System.Text.RegularExpressions.Regex(d.Validation);
                    }
                    catch (ArgumentException e)
                    {
                        log.Add(step, "parameters.validation-regex", $"'{d.Name}' validation '{d.Validation}' is not a regular expression the designer can apply: {e.Message}");
                    }
                }
            }
        }

        /// <summary>A drop-down's Validation as the designer splits it: commas, with \, escaping one.</summary>
        internal static List<string> SplitDropDown(string? validation)
        {
            var result = new List<string>();
            if (string.IsNullOrEmpty(validation)) return result;
            var cur = new System.Text.StringBuilder();
            for (var i = 0; i < validation!.Length; i++)
            {
                var c = validation[i];
                if (c == '\\' && i + 1 < validation.Length && validation[i + 1] == ',')
                {
                    cur.Append(',');
                    i++;
                }
                else if (c == ',')
                {
                    result.Add(cur.ToString());
                    cur.Clear();
                }
                else cur.Append(c);
            }
            if (cur.Length > 0) result.Add(cur.ToString());
            return result;
        }

        internal static void Validation(string step, ParameterValidationResult? result, MimViolationLog log)
        {
            if (result == null)
            {
                log.Add(step, "validation.null", "ValidateConfigParametersEx returned null");
                return;
            }
            if (!Enum.IsDefined(typeof(ParameterValidationResultCode), result.Code))
                log.Add(step, "validation.code", $"code {(int)result.Code} is not a member");
            if (result.Code == ParameterValidationResultCode.Failure && string.IsNullOrEmpty(result.ErrorMessage))
                log.Add(step, "validation.message", "a failed validation without ErrorMessage: the designer shows an empty error");
        }

        // ---- schema ------------------------------------------------------------------------------

        internal static void Schema(Schema? schema, MimViolationLog log)
        {
            const string step = "schema";
            if (schema == null)
            {
                log.Add(step, "schema.null", "GetSchema returned null");
                return;
            }
            if (schema.Types.Count == 0) log.Add(step, "schema.empty", "no object types");
            if (!schema.Validate())
                log.Add(step, "schema.validate", "Schema.Validate() is false: an attribute defined differently in two types, or a locked type without anchor");
            foreach (var t in schema.Types)
            {
                if (string.IsNullOrEmpty(t.Name)) log.Add(step, "schema.type-name", "an object type without a name");
                var anchors = t.AnchorAttributes;
                if (anchors.Count == 0) log.Add(step, "schema.anchor", $"type '{t.Name}' has no anchor attribute");
                foreach (var a in anchors)
                {
                    if (a.IsMultiValued) log.Add(step, "schema.anchor", $"anchor '{t.Name}.{a.Name}' is multi-valued");
                    if (a.DataType == AttributeType.Boolean || a.DataType == AttributeType.Reference)
                        log.Add(step, "schema.anchor", $"anchor '{t.Name}.{a.Name}' is {a.DataType}");
                    if (a.AllowedAttributeOperation == AttributeOperation.ExportOnly)
                        log.Add(step, "schema.anchor", $"anchor '{t.Name}.{a.Name}' is export-only: imports could not bring it");
                }
                foreach (var a in t.Attributes)
                {
                    if (string.IsNullOrEmpty(a.Name)) log.Add(step, "schema.attribute-name", $"type '{t.Name}' has an attribute without a name");
                    else if (string.Equals(a.Name, "DN", StringComparison.OrdinalIgnoreCase))
                        log.Add(step, "schema.reserved", $"type '{t.Name}' declares '{a.Name}', reserved for renames");
                    if (ClrTypeOf(a.DataType) == null)
                        log.Add(step, "schema.type", $"'{t.Name}.{a.Name}' has data type {a.DataType}");
                    if (a.IsMultiValued && a.DataType == AttributeType.Boolean)
                        log.Add(step, "schema.type", $"'{t.Name}.{a.Name}' is a multi-valued Boolean");
                }
            }
        }

        // ---- import ------------------------------------------------------------------------------

        internal static void ImportEntry(string step, CSEntryChange? e, Schema schema, MACapabilities caps, OperationType importType, MimViolationLog log)
        {
            if (e == null)
            {
                log.Add(step, "import.null-entry", "a null CSEntryChange in CSEntries");
                return;
            }
            var who = $"{e.ObjectType ?? "?"} {e.DN ?? "(no DN)"}";
            var mod = e.ObjectModificationType;
            if (mod != ObjectModificationType.Add && mod != ObjectModificationType.Update && mod != ObjectModificationType.Replace && mod != ObjectModificationType.Delete)
                log.Add(step, "import.modification", $"{who}: ObjectModificationType {mod}");
            if (importType == OperationType.Full && mod != ObjectModificationType.Add && mod != ObjectModificationType.Replace)
                log.Add(step, "import.full-modification", $"{who}: a full import returned {mod}; full imports return whole objects");
            if (!Enum.IsDefined(typeof(MAImportError), e.ErrorCodeImport))
                log.Add(step, "import.error-code", $"{who}: ErrorCodeImport {(int)e.ErrorCodeImport} is not a member");
            if (e.ErrorCodeImport != MAImportError.Success && string.IsNullOrEmpty(e.ErrorName))
                log.Add(step, "import.error-name", $"{who}: {e.ErrorCodeImport} without ErrorName");
            if (string.IsNullOrEmpty(e.ObjectType) || !schema.Types.Contains(e.ObjectType))
            {
                log.Add(step, "import.object-type", $"{who}: object type '{e.ObjectType}' is not in the schema");
                return;
            }
            var type = schema.Types[e.ObjectType];
            if (caps.DistinguishedNameStyle != MADistinguishedNameStyle.None && string.IsNullOrEmpty(e.DN))
                log.Add(step, "import.dn", $"{who}: no DN (DN style {caps.DistinguishedNameStyle})");
            // Anchors: one per anchor attribute of the type, of its type.
            var anchorDefs = type.AnchorAttributes;
            if (e.AnchorAttributes == null)
                log.Add(step, "import.anchor-missing", $"{who}: AnchorAttributes is null");
            else
            {
                foreach (var def in anchorDefs)
                {
                    if (!e.AnchorAttributes.Contains(def.Name))
                    {
                        log.Add(step, "import.anchor-missing", $"{who}: no value for anchor '{def.Name}'");
                        continue;
                    }
                    var v = e.AnchorAttributes[def.Name].Value;
                    if (!ValueFits(v, def.DataType) || (v is string s && s.Length == 0))
                        log.Add(step, "import.anchor-type", $"{who}: anchor '{def.Name}' is {Describe(v)}, the schema says {def.DataType}");
                }
                foreach (var a in e.AnchorAttributes)
                    if (!anchorDefs.Contains(a.Name))
                        log.Add(step, "import.anchor-unknown", $"{who}: anchor '{a.Name}' is not an anchor attribute of '{type.Name}'");
            }
            if (e.AttributeChanges == null)
            {
                log.Add(step, "import.attributes-null", $"{who}: AttributeChanges is null");
                return;
            }
            if (mod == ObjectModificationType.Delete && e.AttributeChanges.Count > 0)
                log.Add(step, "import.delete-attributes", $"{who}: a Delete carries {e.AttributeChanges.Count} attribute change(s)");
            foreach (var ac in e.AttributeChanges)
                ImportAttribute(step, who, ac, type, mod, log);
        }

        private static void ImportAttribute(string step, string who, AttributeChange ac, SchemaType type, ObjectModificationType mod, MimViolationLog log)
        {
            if (!type.Attributes.Contains(ac.Name))
            {
                log.Add(step, "import.attribute-unknown", $"{who}: attribute '{ac.Name}' is not in the schema of '{type.Name}'");
                return;
            }
            var def = type.Attributes[ac.Name];
            if (def.AllowedAttributeOperation == AttributeOperation.ExportOnly)
                log.Add(step, "import.export-only", $"{who}: '{ac.Name}' is export-only but was imported");
            var am = ac.ModificationType;
            var allowed = mod == ObjectModificationType.Update
                ? am == AttributeModificationType.Add || am == AttributeModificationType.Replace || am == AttributeModificationType.Update || am == AttributeModificationType.Delete
                : am == AttributeModificationType.Add;
            if (!allowed)
                log.Add(step, "import.attribute-modification", $"{who}: '{ac.Name}' is {am} in a {mod}");
            var values = ac.ValueChanges;
            if (values == null)
            {
                log.Add(step, "import.values-null", $"{who}: '{ac.Name}' has null ValueChanges");
                return;
            }
            if (am == AttributeModificationType.Delete && values.Count > 0)
                log.Add(step, "import.delete-values", $"{who}: '{ac.Name}' is a Delete with {values.Count} value(s)");
            if ((am == AttributeModificationType.Add || am == AttributeModificationType.Replace) && values.Count == 0)
                log.Add(step, "import.empty-values", $"{who}: '{ac.Name}' is {am} without values (use Delete, or leave it out)");
            if (!def.IsMultiValued && values.Count(v => v?.ModificationType == ValueModificationType.Add) > 1)
                log.Add(step, "import.single-valued", $"{who}: single-valued '{ac.Name}' has {values.Count} values");
            if (!def.IsMultiValued && am == AttributeModificationType.Update)
                log.Add(step, "import.single-valued-update", $"{who}: single-valued '{ac.Name}' arrives as a value-level Update");
            foreach (var vc in values)
            {
                if (vc == null)
                {
                    log.Add(step, "import.value-null", $"{who}: '{ac.Name}' has a null ValueChange");
                    continue;
                }
                if (vc.ModificationType != ValueModificationType.Add && vc.ModificationType != ValueModificationType.Delete)
                    log.Add(step, "import.value-modification", $"{who}: '{ac.Name}' value {Describe(vc.Value)} is {vc.ModificationType}");
                if (am != AttributeModificationType.Update && vc.ModificationType == ValueModificationType.Delete)
                    log.Add(step, "import.value-modification", $"{who}: '{ac.Name}' is {am} but carries a value Delete");
                if (!ValueFits(vc.Value, def.DataType))
                    log.Add(step, "import.value-type", $"{who}: '{ac.Name}' value {Describe(vc.Value)} does not fit the schema type {def.DataType}");
            }
        }

        // ---- export ------------------------------------------------------------------------------

        internal static void ExportResults(string step, PutExportEntriesResults? results, IList<CSEntryChange> batch, Schema schema, MimViolationLog log)
        {
            if (results == null)
            {
                log.Add(step, "export.results-null", "PutExportEntries returned null");
                return;
            }
            if (results.CSEntryChangeResults == null)
            {
                log.Add(step, "export.results-null", "CSEntryChangeResults is null");
                return;
            }
            var sent = batch.ToDictionary(c => c.Identifier);
            foreach (var r in results.CSEntryChangeResults)
            {
                if (r == null)
                {
                    log.Add(step, "export.result-null", "a null CSEntryChangeResult");
                    continue;
                }
                if (!sent.TryGetValue(r.Identifier, out var change))
                {
                    log.Add(step, "export.result-identifier", $"a result for {r.Identifier}, which is not in this batch");
                    continue;
                }
                var who = $"{change.ObjectModificationType} {change.ObjectType} {change.DN}";
                if (!Enum.IsDefined(typeof(MAExportError), r.ErrorCode))
                    log.Add(step, "export.error-code", $"{who}: ErrorCode {(int)r.ErrorCode} is not a member");
                if (r.ErrorCode != MAExportError.Success && r.ErrorCode > MAExportError.ExportActionProvisioningParent && string.IsNullOrEmpty(r.ErrorName))
                    log.Add(step, "export.error-name", $"{who}: {r.ErrorCode} without ErrorName (the UI shows nothing)");
                if (r.ErrorCode == MAExportError.ExportErrorCustomStopRun)
                    log.Add(step, "export.stop-run", $"{who}: ExportErrorCustomStopRun stops the whole run: {r.ErrorName} {r.ErrorDetail}");
                var anchors = r.AnchorAttributes;
                if (anchors == null)
                {
                    log.Add(step, "export.result-anchors-null", $"{who}: AnchorAttributes is null");
                    continue;
                }
                var type = schema.Types.Contains(change.ObjectType) ? schema.Types[change.ObjectType] : null;
                foreach (var a in anchors)
                {
                    if (type == null) break;
                    if (!type.AnchorAttributes.Contains(a.Name))
                    {
                        log.Add(step, "export.result-anchor-name", $"{who}: returned anchor '{a.Name}' is not an anchor of '{type.Name}'");
                        continue;
                    }
                    var def = type.AnchorAttributes[a.Name];
                    if (a.ModificationType != AttributeModificationType.Add && a.ModificationType != AttributeModificationType.Replace)
                        log.Add(step, "export.result-anchor-modification", $"{who}: returned anchor '{a.Name}' is {a.ModificationType}");
                    if (a.ValueChanges == null || a.ValueChanges.Count != 1)
                        log.Add(step, "export.result-anchor-values", $"{who}: returned anchor '{a.Name}' has {a.ValueChanges?.Count ?? 0} values");
                    else if (!ValueFits(a.ValueChanges[0]?.Value, def.DataType))
                        log.Add(step, "export.result-anchor-type", $"{who}: returned anchor '{a.Name}' is {Describe(a.ValueChanges[0]?.Value)}, the schema says {def.DataType}");
                }
                if (change.ObjectModificationType == ObjectModificationType.Add && r.ErrorCode == MAExportError.Success && type != null)
                    foreach (var def in type.AnchorAttributes)
                        if (!anchors.Contains(def.Name))
                            log.Add(step, "export.add-anchor-missing", $"{who}: a successful add without its anchor '{def.Name}': the confirming import could not join it");
                if (change.ObjectModificationType == ObjectModificationType.Delete && anchors.Count > 0)
                    log.Add(step, "export.delete-anchor", $"{who}: anchors returned for a delete");
            }
        }
    }
}
