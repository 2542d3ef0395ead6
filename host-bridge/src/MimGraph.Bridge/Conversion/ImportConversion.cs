using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.MetadirectoryServices;
using MimGraph.Bridge.Protocol;

namespace MimGraph.Bridge.Conversion
{
    /// <summary>
    /// Import entries (getImportPage's <c>entries</c>) → CSEntryChange, built the way MIM expects
    /// (ecma2-api.md §9.3, §15.1, §15.2): Create(), ObjectModificationType first, ObjectType, DN, one
    /// AnchorAttribute per anchor, attribute changes through MIM's factories with typed values.
    /// </summary>
    internal static class ImportConversion
    {
        private const string What = "getImportPage entry ";

        /// <summary>A page of entries; never null. A malformed entry stops the call (UnexpectedData naming entry and field).</summary>
        public static List<CSEntryChange> EntriesFromJson(List<object?>? entries)
        {
            if (entries == null) return new List<CSEntryChange>(0);
            var list = new List<CSEntryChange>(entries.Count);
            for (int i = 0; i < entries.Count; i++) list.Add(EntryFromJson(entries[i], i));
            return list;
        }

        public static CSEntryChange EntryFromJson(object? node, int index)
        {
            try
            {
                return Entry(Wire.AsObject(node));
            }
            catch (WireFieldException e)
            {
                throw Wire.Bad(Describe(node, index), e);
            }
            catch (Exception e) when (e is ArgumentException || e is InvalidOperationException || e is NotSupportedException || e is MetadirectoryServicesException)
            {
                // MIM's object model refused the entry (a duplicate attribute, an attribute change on a Delete, ...).
                throw Wire.Bad(Describe(node, index), "MIM's object model refused it: " + e.Message, e);
            }
        }

        private static CSEntryChange Entry(JsonObject o)
        {
            var modification = Wire.RequireEnum<ObjectModificationType>(o, "modification");
            if (modification == ObjectModificationType.None || modification == ObjectModificationType.Unconfigured)
                throw new WireFieldException("modification", "must be one of Add, Replace, Update or Delete, not " + Wire.Quote(EnumNames<ObjectModificationType>.Name(modification)));
            var objectType = Wire.RequireName(o, "objectType");

            var cs = CSEntryChange.Create();
            cs.ObjectModificationType = modification; // first: the attribute collection checks against it
            cs.ObjectType = objectType;
            var dn = Wire.OptString(o, "dn");
            if (dn != null) cs.DN = dn;

            var anchors = Wire.OptArray(o, "anchors");
            if (anchors != null)
            {
                for (int i = 0; i < anchors.Count; i++)
                {
                    try
                    {
                        var a = Wire.AsObject(anchors[i]);
                        var name = Wire.RequireName(a, "name");
                        object value;
                        try
                        {
                            a.TryGetValue("value", out var v);
                            value = TypedValues.Read(v);
                        }
                        catch (WireFieldException e)
                        {
                            throw e.In("value");
                        }
                        if (cs.AnchorAttributes.Contains(name)) throw new WireFieldException("name", "repeats the anchor " + Wire.Quote(name));
                        cs.AnchorAttributes.Add(AnchorAttribute.Create(name, value));
                    }
                    catch (WireFieldException e)
                    {
                        throw e.At(i).In("anchors");
                    }
                }
            }

            var attributes = Wire.OptArray(o, "attributes");
            if (attributes != null)
            {
                for (int i = 0; i < attributes.Count; i++)
                {
                    try
                    {
                        var change = Attribute(Wire.AsObject(attributes[i]));
                        if (cs.AttributeChanges.Contains(change.Name)) throw new WireFieldException("name", "repeats the attribute " + Wire.Quote(change.Name));
                        cs.AttributeChanges.Add(change);
                    }
                    catch (WireFieldException e)
                    {
                        throw e.At(i).In("attributes");
                    }
                }
            }

            var error = Wire.OptString(o, "errorCodeImport");
            if (error != null)
            {
                if (!EnumNames<MAImportError>.TryParse(error, out var code))
                    throw new WireFieldException("errorCodeImport", "must be the name of an MAImportError (e.g. ImportErrorCustomContinueRun), not " + Wire.Quote(error));
                cs.ErrorCodeImport = code;
            }
            var errorName = Wire.OptString(o, "errorName");
            if (errorName != null) cs.ErrorName = errorName;
            var errorDetail = Wire.OptString(o, "errorDetail");
            if (errorDetail != null) cs.ErrorDetail = errorDetail;
            return cs;
        }

        private static AttributeChange Attribute(JsonObject a)
        {
            var name = Wire.RequireName(a, "name");
            var modification = AttributeModification(a);
            var values = Wire.OptArray(a, "values");
            int n = values?.Count ?? 0;
            switch (modification)
            {
                case AttributeModificationType.Add:
                case AttributeModificationType.Replace:
                    {
                        bool add = modification == AttributeModificationType.Add;
                        if (n == 1)
                        {
                            var single = ValueOf(values![0], 0, add ? "Add" : "Replace");
                            return add ? AttributeChange.CreateAttributeAdd(name, single) : AttributeChange.CreateAttributeReplace(name, single);
                        }
                        var list = new List<object>(n);
                        for (int k = 0; k < n; k++) list.Add(ValueOf(values![k], k, add ? "Add" : "Replace"));
                        return add ? AttributeChange.CreateAttributeAdd(name, list) : AttributeChange.CreateAttributeReplace(name, list);
                    }
                case AttributeModificationType.Update:
                    {
                        var changes = new List<ValueChange>(n);
                        for (int k = 0; k < n; k++)
                        {
                            try
                            {
                                var vc = Wire.AsObject(values![k]);
                                var vm = ValueModification(vc);
                                vc.TryGetValue("value", out var raw);
                                object value;
                                try
                                {
                                    value = TypedValues.Read(raw);
                                }
                                catch (WireFieldException e)
                                {
                                    throw e.In("value");
                                }
                                if (vm == ValueModificationType.Add) changes.Add(ValueChange.CreateValueAdd(value));
                                else if (vm == ValueModificationType.Delete) changes.Add(ValueChange.CreateValueDelete(value));
                                else throw new WireFieldException("modification", "must be Add or Delete, not " + Wire.Quote(EnumNames<ValueModificationType>.Name(vm)));
                            }
                            catch (WireFieldException e)
                            {
                                throw e.At(k).In("values");
                            }
                        }
                        return AttributeChange.CreateAttributeUpdate(name, changes);
                    }
                case AttributeModificationType.Delete:
                    if (n != 0) throw new WireFieldException("values", "must be empty for a Delete of " + Wire.Quote(name) + " (it has " + n.ToString(CultureInfo.InvariantCulture) + ")");
                    return AttributeChange.CreateAttributeDelete(name);
                default:
                    throw new WireFieldException("modification", "must be one of Add, Replace, Update or Delete, not " + Wire.Quote(EnumNames<AttributeModificationType>.Name(modification)));
            }
        }

        /// <summary>The value of an Add/Replace value change (its modification must be Add).</summary>
        private static object ValueOf(object? node, int k, string attributeModification)
        {
            try
            {
                var vc = Wire.AsObject(node);
                var vm = ValueModification(vc);
                if (vm != ValueModificationType.Add)
                    throw new WireFieldException("modification", "must be Add in an attribute " + attributeModification + ", not " + Wire.Quote(EnumNames<ValueModificationType>.Name(vm)));
                vc.TryGetValue("value", out var raw);
                try
                {
                    return TypedValues.Read(raw);
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

        // The hot enums, without a dictionary lookup; anything unusual takes the general path and its message.
        private static AttributeModificationType AttributeModification(JsonObject a)
        {
            if (a.TryGetValue("modification", out var m) && m is string s)
            {
                switch (s)
                {
                    case "Add": return AttributeModificationType.Add;
                    case "Replace": return AttributeModificationType.Replace;
                    case "Update": return AttributeModificationType.Update;
                    case "Delete": return AttributeModificationType.Delete;
                }
            }
            return Wire.RequireEnum<AttributeModificationType>(a, "modification");
        }

        private static ValueModificationType ValueModification(JsonObject vc)
        {
            if (vc.TryGetValue("modification", out var m) && m is string s)
            {
                if (s == "Add") return ValueModificationType.Add;
                if (s == "Delete") return ValueModificationType.Delete;
            }
            return Wire.RequireEnum<ValueModificationType>(vc, "modification");
        }

        /// <summary>"getImportPage entry 3 (user, dn "…")" – from whatever the entry holds; never throws.</summary>
        internal static string Describe(object? node, int index)
        {
            var s = What + index.ToString(CultureInfo.InvariantCulture);
            if (!(node is JsonObject o)) return s;
            var parts = new List<string>(3);
            if (o.TryGetValue("objectType", out var t) && t is string type && type.Length > 0) parts.Add(type);
            if (o.TryGetValue("dn", out var d) && d is string dn && dn.Length > 0) parts.Add("dn " + Wire.Quote(dn));
            else if (o.TryGetValue("identifier", out var id) && id is string ident && ident.Length > 0) parts.Add("identifier " + Wire.Quote(ident));
            return parts.Count == 0 ? s : s + " (" + string.Join(", ", parts) + ")";
        }
    }
}
