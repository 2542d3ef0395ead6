using System;
using System.Collections.Generic;
using Microsoft.MetadirectoryServices;
using MimGraph.Bridge.Protocol;

namespace MimGraph.Bridge.Conversion
{
    /// <summary>
    /// getSchema's answer → MIM's <see cref="Schema"/>, and the Schema MIM hands to OpenImportConnection /
    /// OpenExportConnection → the protocol's schema (the types and attributes selected in the MA, as given).
    /// </summary>
    internal static class SchemaConversion
    {
        public static Schema FromJson(JsonObject result)
        {
            List<object?> types;
            try
            {
                types = Wire.RequireArray(result, "types");
            }
            catch (WireFieldException e)
            {
                throw Wire.Bad("getSchema answer", e);
            }
            var schema = Schema.Create();
            for (int i = 0; i < types.Count; i++)
            {
                string? typeName = null;
                try
                {
                    var t = Wire.AsObject(types[i]);
                    typeName = Wire.RequireName(t, "name");
                    if (schema.Types.Contains(typeName)) throw new WireFieldException("name", "repeats the object type " + Wire.Quote(typeName));
                    var type = SchemaType.Create(typeName, Wire.RequireBool(t, "locked"));
                    var attributes = Wire.RequireArray(t, "attributes");
                    for (int k = 0; k < attributes.Count; k++)
                    {
                        try
                        {
                            var a = Attribute(Wire.AsObject(attributes[k]));
                            if (type.Attributes.Contains(a.Name)) throw new WireFieldException("name", "repeats the attribute " + Wire.Quote(a.Name));
                            type.Attributes.Add(a);
                        }
                        catch (WireFieldException e)
                        {
                            throw e.At(k).In("attributes");
                        }
                    }
                    var dnComponents = Wire.OptArray(t, "possibleDnComponents");
                    if (dnComponents != null)
                    {
                        for (int k = 0; k < dnComponents.Count; k++)
                        {
                            if (!(dnComponents[k] is string c)) throw new WireFieldException("[" + k + "]", "must be a string, not " + Json.KindOf(dnComponents[k])).In("possibleDnComponents");
                            type.PossibleDNComponentsForProvisioning.Add(c);
                        }
                    }
                    schema.Types.Add(type);
                }
                catch (WireFieldException e)
                {
                    throw Wire.Bad("getSchema answer" + (typeName != null ? " (object type " + Wire.Quote(typeName) + ")" : ""), e.At(i).In("types"));
                }
            }
            return schema;
        }

        private static SchemaAttribute Attribute(JsonObject a)
        {
            var name = Wire.RequireName(a, "name");
            var dataType = TypedValues.ReadType(a, "dataType");
            var multi = Wire.RequireBool(a, "multiValued");
            var anchor = Wire.RequireBool(a, "anchor");
            var operation = Wire.RequireEnum<AttributeOperation>(a, "operation");
            SchemaAttribute attribute;
            try
            {
                if (anchor)
                {
                    if (multi) throw new WireFieldException("multiValued", "must be false for an anchor attribute (" + Wire.Quote(name) + ")");
                    attribute = SchemaAttribute.CreateAnchorAttribute(name, dataType, operation);
                }
                else if (multi)
                {
                    attribute = SchemaAttribute.CreateMultiValuedAttribute(name, dataType, operation);
                }
                else
                {
                    attribute = SchemaAttribute.CreateSingleValuedAttribute(name, dataType, operation);
                }
            }
            catch (NotSupportedException e)
            {
                // MIM refuses Boolean/Reference anchors and multi-valued Booleans.
                throw new WireFieldException("dataType", "is refused by MIM for " + Wire.Quote(name) + ": " + e.Message, e);
            }
            if (Wire.OptBool(a, "hiddenByDefault", false)) attribute.HiddenByDefault = true;
            return attribute;
        }

        /// <summary>The Schema MIM passes to an Open…Connection call, as the protocol's schema.</summary>
        public static JsonObject ToJson(Schema? schema)
        {
            var types = new List<object?>(schema?.Types.Count ?? 0);
            if (schema != null)
            {
                foreach (var t in schema.Types)
                {
                    var attributes = new List<object?>(t.Attributes.Count);
                    foreach (var a in t.Attributes)
                    {
                        var o = new JsonObject(6)
                        {
                            { "name", a.Name },
                            { "dataType", WireType(a, t) },
                            { "multiValued", a.IsMultiValued },
                            { "anchor", a.IsAnchor },
                            { "operation", EnumNames<AttributeOperation>.Name(a.AllowedAttributeOperation) },
                        };
                        if (a.HiddenByDefault) o.Add("hiddenByDefault", true);
                        attributes.Add(o);
                    }
                    var type = new JsonObject(4)
                    {
                        { "name", t.Name },
                        { "locked", t.Locked },
                        { "attributes", attributes },
                    };
                    if (t.PossibleDNComponentsForProvisioning != null && t.PossibleDNComponentsForProvisioning.Count > 0)
                        type.Add("possibleDnComponents", new List<object?>(t.PossibleDNComponentsForProvisioning));
                    types.Add(type);
                }
            }
            return new JsonObject(1) { { "types", types } };
        }

        private static string WireType(SchemaAttribute a, SchemaType t)
        {
            if (a.DataType == AttributeType.Undefined)
                throw new ConnectorCallException("ExtensibleExtension", "the schema MIM handed over has the attribute '" + a.Name + "' of object type '" + t.Name + "' with data type Undefined; refresh the schema of the management agent");
            return TypedValues.TypeName(a.DataType);
        }
    }

    /// <summary>
    /// The Schema MIM passed to OpenExportConnection, indexed by object type and attribute name (ordinal,
    /// as MIM's collections), to type export values whose AttributeChange reports Undefined.
    /// </summary>
    internal sealed class SchemaIndex
    {
        private readonly Dictionary<string, Dictionary<string, SchemaAttribute>> _types =
            new Dictionary<string, Dictionary<string, SchemaAttribute>>(StringComparer.Ordinal);

        public static readonly SchemaIndex Empty = new SchemaIndex(null);

        public SchemaIndex(Schema? schema)
        {
            if (schema == null) return;
            foreach (var t in schema.Types)
            {
                var attributes = new Dictionary<string, SchemaAttribute>(t.Attributes.Count, StringComparer.Ordinal);
                foreach (var a in t.Attributes) attributes[a.Name] = a;
                _types[t.Name] = attributes;
            }
        }

        /// <summary>The attributes of an object type; null when the schema has no such type.</summary>
        public Dictionary<string, SchemaAttribute>? Type(string? objectType)
            => objectType != null && _types.TryGetValue(objectType, out var t) ? t : null;
    }
}
