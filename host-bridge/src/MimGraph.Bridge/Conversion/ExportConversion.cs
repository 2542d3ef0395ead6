using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.MetadirectoryServices;
using MimGraph.Bridge.Protocol;

namespace MimGraph.Bridge.Conversion
{
    /// <summary>
    /// Export: the CSEntryChanges MIM hands to PutExportEntries → the protocol's entries, and the worker's
    /// results → <see cref="PutExportEntriesResults"/>. Values are typed by, in order: the
    /// AttributeChange's DataType when not Undefined, the attribute's type in the Schema MIM passed to
    /// OpenExportConnection, the CLR type of the value.
    /// </summary>
    internal static class ExportConversion
    {
        private const string DNAttributeName = "DN";

        public static List<object?> EntriesToJson(IList<CSEntryChange> entries, SchemaIndex schema)
        {
            var list = new List<object?>(entries.Count);
            for (int i = 0; i < entries.Count; i++) list.Add(EntryToJson(entries[i], schema, i));
            return list;
        }

        /// <summary>One entry. An entry that cannot be expressed stops the call (ExtensibleExtension naming entry and attribute, never values).</summary>
        public static JsonObject EntryToJson(CSEntryChange entry, SchemaIndex schema, int index = 0)
        {
            if (entry == null) throw Refused(index, null, "MIM handed a null entry");
            var modification = entry.ObjectModificationType;
            if (modification != ObjectModificationType.Add && modification != ObjectModificationType.Replace
                && modification != ObjectModificationType.Update && modification != ObjectModificationType.Delete)
                throw Refused(index, entry, "its ObjectModificationType is " + EnumNames<ObjectModificationType>.Name(modification) + " (expected Add, Replace, Update or Delete)");
            if (string.IsNullOrEmpty(entry.ObjectType)) throw Refused(index, entry, "it has no ObjectType");

            var typeSchema = schema.Type(entry.ObjectType);
            var o = new JsonObject(6);
            o.Add("identifier", entry.Identifier.ToString("D"));
            o.Add("objectType", entry.ObjectType);
            o.Add("modification", EnumNames<ObjectModificationType>.Name(modification));
            if (entry.DN != null) o.Add("dn", entry.DN);

            var anchors = entry.AnchorAttributes;
            var anchorList = new List<object?>(anchors.Count);
            foreach (var a in anchors)
            {
                var type = a.DataType;
                if (type == AttributeType.Undefined && typeSchema != null && typeSchema.TryGetValue(a.Name, out var sa)) type = sa.DataType;
                JsonObject value;
                try
                {
                    value = TypedValues.Write(a.Value, type);
                }
                catch (FormatException e)
                {
                    throw Refused(index, entry, "the anchor '" + a.Name + "' holds " + e.Message);
                }
                anchorList.Add(new JsonObject(2) { { "name", a.Name }, { "value", value } });
            }
            o.Add("anchors", anchorList);

            var changes = entry.AttributeChanges;
            var attributeList = new List<object?>(changes.Count);
            foreach (var ac in changes) attributeList.Add(Attribute(ac, typeSchema, entry, index));
            o.Add("attributes", attributeList);
            return o;
        }

        private static JsonObject Attribute(AttributeChange ac, Dictionary<string, SchemaAttribute>? typeSchema, CSEntryChange entry, int index)
        {
            var name = ac.Name;
            bool isDN = string.Equals(name, DNAttributeName, StringComparison.OrdinalIgnoreCase);
            var modification = ac.ModificationType;
            string modificationName;
            switch (modification)
            {
                case AttributeModificationType.Add: modificationName = "Add"; break;
                case AttributeModificationType.Replace: modificationName = "Replace"; break;
                case AttributeModificationType.Update: modificationName = "Update"; break;
                case AttributeModificationType.Delete: modificationName = "Delete"; break;
                default:
                    // CreateNewDN reports Unconfigured: the rename carries the new DN as its one Add value.
                    if (!isDN) throw Refused(index, entry, "the attribute '" + name + "' has the modification type " + EnumNames<AttributeModificationType>.Name(modification));
                    modificationName = "Replace";
                    break;
            }

            AttributeType type = ac.DataType;
            bool multi = ac.IsMultiValued;
            bool typeKnown = type != AttributeType.Undefined;
            if (!typeKnown && !isDN && typeSchema != null && typeSchema.TryGetValue(name, out var sa))
            {
                // A factory-made change says Undefined and multi-valued: the schema knows better.
                type = sa.DataType;
                multi = sa.IsMultiValued;
                typeKnown = type != AttributeType.Undefined;
            }
            if (isDN && !typeKnown) { type = AttributeType.String; typeKnown = true; multi = false; }

            var valueChanges = ac.ValueChanges;
            int n = valueChanges?.Count ?? 0;
            var values = new List<object?>(n);
            for (int k = 0; k < n; k++)
            {
                var vc = valueChanges![k];
                if (vc == null) throw Refused(index, entry, "the attribute '" + name + "' has a null value change");
                string vm;
                switch (vc.ModificationType)
                {
                    case ValueModificationType.Add: vm = "Add"; break;
                    case ValueModificationType.Delete: vm = "Delete"; break;
                    default: throw Refused(index, entry, "a value change of the attribute '" + name + "' has the modification type " + EnumNames<ValueModificationType>.Name(vc.ModificationType));
                }
                JsonObject value;
                try
                {
                    value = TypedValues.Write(vc.Value, type);
                }
                catch (FormatException e)
                {
                    throw Refused(index, entry, "the attribute '" + name + "' holds " + e.Message);
                }
                values.Add(new JsonObject(2) { { "modification", vm }, { "value", value } });
            }

            var o = new JsonObject(5)
            {
                { "name", name },
                { "modification", modificationName },
                { "values", values },
            };
            if (typeKnown)
            {
                o.Add("dataType", TypedValues.TypeName(type));
                o.Add("isMultiValued", multi);
            }
            else
            {
                o.Add("isMultiValued", multi);
            }
            return o;
        }

        private static ConnectorCallException Refused(int index, CSEntryChange? entry, string problem)
        {
            var who = "export entry " + index.ToString(CultureInfo.InvariantCulture);
            if (entry != null)
            {
                who += " (" + entry.Identifier.ToString("D");
                if (!string.IsNullOrEmpty(entry.ObjectType)) who += ", " + entry.ObjectType;
                if (!string.IsNullOrEmpty(entry.DN)) who += ", dn '" + entry.DN + "'";
                who += ")";
            }
            return new ConnectorCallException("ExtensibleExtension", "the bridge cannot send " + who + " to the connector: " + problem);
        }

        // ---- results ------------------------------------------------------------------------------

        /// <summary>
        /// putExportEntries' answer → results for MIM. Every identifier must be one of the entries sent, at
        /// most once; entries without a result count as exported (MIM's rule).
        /// </summary>
        public static PutExportEntriesResults ResultsFromJson(JsonObject answer, IList<CSEntryChange> sent)
        {
            List<object?> results;
            try
            {
                results = Wire.RequireArray(answer, "results");
            }
            catch (WireFieldException e)
            {
                throw Wire.Bad("putExportEntries answer", e);
            }
            var list = new List<CSEntryChangeResult>(results.Count);
            if (results.Count == 0) return new PutExportEntriesResults(list);

            var expected = new HashSet<Guid>();
            foreach (var e in sent) if (e != null) expected.Add(e.Identifier);
            var seen = new HashSet<Guid>();
            for (int i = 0; i < results.Count; i++)
            {
                string? identifier = null;
                try
                {
                    var r = Wire.AsObject(results[i]);
                    identifier = Wire.RequireString(r, "identifier");
                    if (!Guid.TryParseExact(identifier, "D", out var id))
                        throw new WireFieldException("identifier", "must be a GUID (8-4-4-4-12 hex digits), not " + Wire.Quote(identifier));
                    if (!expected.Contains(id)) throw new WireFieldException("identifier", "is not one of the entries sent in this batch");
                    if (!seen.Add(id)) throw new WireFieldException("identifier", "has a second result in this batch");
                    var code = Wire.RequireEnum<MAExportError>(r, "errorCode");
                    var anchors = Anchors(Wire.OptArray(r, "anchors"));
                    var errorName = Wire.OptString(r, "errorName");
                    var errorDetail = Wire.OptString(r, "errorDetail");
                    list.Add(CSEntryChangeResult.Create(id, anchors, code, errorName, errorDetail));
                }
                catch (WireFieldException e)
                {
                    throw Wire.Bad("putExportEntries result " + i.ToString(CultureInfo.InvariantCulture) + (identifier != null ? " (identifier " + Wire.Quote(identifier) + ")" : ""), e.At(i).In("results"));
                }
                catch (Exception e) when (e is ArgumentException || e is InvalidOperationException)
                {
                    throw Wire.Bad("putExportEntries result " + i.ToString(CultureInfo.InvariantCulture) + (identifier != null ? " (identifier " + Wire.Quote(identifier) + ")" : ""), "MIM's object model refused it: " + e.Message, e);
                }
            }
            return new PutExportEntriesResults(list);
        }

        /// <summary>Anchors Graph assigned, as MIM wants them: CreateAttributeAdd(name, value).</summary>
        private static List<AttributeChange> Anchors(List<object?>? anchors)
        {
            var list = new List<AttributeChange>(anchors?.Count ?? 0);
            if (anchors == null) return list;
            var names = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < anchors.Count; i++)
            {
                try
                {
                    var a = Wire.AsObject(anchors[i]);
                    var name = Wire.RequireName(a, "name");
                    if (!names.Add(name)) throw new WireFieldException("name", "repeats the anchor " + Wire.Quote(name));
                    var values = Wire.RequireArray(a, "values");
                    if (values.Count == 0) throw new WireFieldException("values", "must hold the anchor's value");
                    var typed = new List<object>(values.Count);
                    for (int k = 0; k < values.Count; k++)
                    {
                        try
                        {
                            var vc = Wire.AsObject(values[k]);
                            var vm = Wire.RequireEnum<ValueModificationType>(vc, "modification");
                            if (vm != ValueModificationType.Add) throw new WireFieldException("modification", "must be Add for an anchor value, not " + Wire.Quote(EnumNames<ValueModificationType>.Name(vm)));
                            vc.TryGetValue("value", out var raw);
                            try
                            {
                                typed.Add(TypedValues.Read(raw));
                            }
                            catch (WireFieldException e)
                            {
                                throw e.In("value");
                            }
                        }
                        catch (WireFieldException e)
                        {
                            throw e.At(k).In("values");
                        }
                    }
                    list.Add(typed.Count == 1 ? AttributeChange.CreateAttributeAdd(name, typed[0]) : AttributeChange.CreateAttributeAdd(name, typed));
                }
                catch (WireFieldException e)
                {
                    throw e.At(i).In("anchors");
                }
            }
            return list;
        }
    }
}
