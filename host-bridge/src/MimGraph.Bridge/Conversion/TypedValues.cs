using System;
using System.Globalization;
using System.Security;
using Microsoft.MetadirectoryServices;
using MimGraph.Bridge.Protocol;

namespace MimGraph.Bridge.Conversion
{
    /// <summary>
    /// Values typed on the wire (<c>{"type":"Integer","value":"42"}</c>): Integer as a decimal Int64 string,
    /// Binary as base64, Reference as the referenced object's DN, Boolean as true/false. The CLR types are
    /// the ones MIM hands out and expects (ecma2-api.md §15.7): string, long, string, byte[], bool.
    /// </summary>
    internal static class TypedValues
    {
        public const string String = "String";
        public const string Integer = "Integer";
        public const string Reference = "Reference";
        public const string Binary = "Binary";
        public const string Boolean = "Boolean";

        // ---- worker → MIM ------------------------------------------------------------------------

        /// <summary>The CLR value of a typed value node; WireFieldException naming "type"/"value" when malformed.</summary>
        public static object Read(object? node)
        {
            var o = Wire.AsObject(node);
            var type = Wire.RequireString(o, "type");
            o.TryGetValue("value", out var raw);
            switch (type)
            {
                case String:
                    if (raw is string s) return s;
                    throw WrongValue(raw, "a string");
                case Reference:
                    if (raw is string r)
                    {
                        if (r.Length == 0) throw new WireFieldException("value", "must not be empty (a reference is the DN of the referenced object)");
                        return r;
                    }
                    throw WrongValue(raw, "a string (the DN of the referenced object)");
                case Integer:
                    if (raw is string d)
                    {
                        if (TryParseInt64(d, out var l)) return l;
                        throw new WireFieldException("value", "must be a decimal Int64 in a string, not " + Wire.Quote(d));
                    }
                    throw WrongValue(raw, "a decimal Int64 in a string");
                case Binary:
                    if (raw is string b64)
                    {
                        try
                        {
                            return Convert.FromBase64String(b64);
                        }
                        catch (FormatException e)
                        {
                            throw new WireFieldException("value", "must be base64 (" + e.Message + ")");
                        }
                    }
                    throw WrongValue(raw, "a base64 string");
                case Boolean:
                    if (raw is bool bo) return bo;
                    throw WrongValue(raw, "true or false");
                default:
                    throw new WireFieldException("type", "must be one of String, Integer, Reference, Binary or Boolean, not " + Wire.Quote(type));
            }
        }

        /// <summary>An AttributeType named on the wire (no Undefined: the protocol does not carry it).</summary>
        public static AttributeType ReadType(JsonObject o, string key)
        {
            var t = Wire.RequireString(o, key);
            switch (t)
            {
                case String: return AttributeType.String;
                case Integer: return AttributeType.Integer;
                case Reference: return AttributeType.Reference;
                case Binary: return AttributeType.Binary;
                case Boolean: return AttributeType.Boolean;
                default: throw new WireFieldException(key, "must be one of String, Integer, Reference, Binary or Boolean, not " + Wire.Quote(t));
            }
        }

        private static WireFieldException WrongValue(object? raw, string expected)
            => raw == null
                ? new WireFieldException("value", "is missing (expected " + expected + ")")
                : new WireFieldException("value", "must be " + expected + ", not " + Json.KindOf(raw));

        /// <summary>Exactly what the protocol allows: -?(0|[1-9][0-9]{0,18}) within Int64.</summary>
        internal static bool TryParseInt64(string s, out long value)
        {
            value = 0;
            int n = s.Length;
            if (n == 0 || n > 20) return false;
            int i = 0;
            bool neg = false;
            if (s[0] == '-') { neg = true; i = 1; if (n == 1) return false; }
            if (s[i] == '0' && n > i + 1) return false;
            // Accumulate negatively so Int64.MinValue fits.
            long acc = 0;
            for (; i < n; i++)
            {
                int dgt = s[i] - '0';
                if ((uint)dgt > 9) return false;
                if (acc < (long.MinValue + dgt) / 10) return false;
                acc = acc * 10 - dgt;
            }
            if (!neg)
            {
                if (acc == long.MinValue) return false;
                acc = -acc;
            }
            value = acc;
            return true;
        }

        // ---- MIM → worker ------------------------------------------------------------------------

        public static string TypeName(AttributeType t)
        {
            switch (t)
            {
                case AttributeType.String: return String;
                case AttributeType.Integer: return Integer;
                case AttributeType.Reference: return Reference;
                case AttributeType.Binary: return Binary;
                case AttributeType.Boolean: return Boolean;
                default: throw new ArgumentOutOfRangeException(nameof(t), "AttributeType " + EnumNames<AttributeType>.Name(t) + " has no wire name");
            }
        }

        /// <summary>The type a CLR value implies when neither the change nor the schema says (Undefined when none).</summary>
        public static AttributeType TypeOf(object? value)
        {
            switch (value)
            {
                case string _: return AttributeType.String;
                case long _:
                case int _:
                case short _:
                    return AttributeType.Integer;
                case byte[] _: return AttributeType.Binary;
                case bool _: return AttributeType.Boolean;
                case SecureString _: return AttributeType.String;
                default: return AttributeType.Undefined;
            }
        }

        /// <summary>
        /// <c>{"type":..,"value":..}</c> for a value MIM handed over. <paramref name="type"/> is the
        /// resolved type (Undefined: from the CLR type). A value that cannot be that type throws
        /// <see cref="FormatException"/> with a message naming the type (never the value: it may be a password).
        /// </summary>
        public static JsonObject Write(object? value, AttributeType type)
        {
            if (value == null) throw new FormatException("a null value");
            if (type == AttributeType.Undefined)
            {
                type = TypeOf(value);
                if (type == AttributeType.Undefined) throw new FormatException("a value of CLR type " + value.GetType().FullName + ", which has no MIM attribute type");
            }
            object wire;
            switch (type)
            {
                case AttributeType.String:
                case AttributeType.Reference:
                    wire = AsString(value, type);
                    break;
                case AttributeType.Integer:
                    wire = AsInteger(value);
                    break;
                case AttributeType.Binary:
                    if (value is byte[] bytes) wire = Convert.ToBase64String(bytes);
                    else throw new FormatException("a " + value.GetType().Name + " where a Binary (byte[]) value was expected");
                    break;
                case AttributeType.Boolean:
                    wire = AsBoolean(value);
                    break;
                default:
                    throw new FormatException("AttributeType " + EnumNames<AttributeType>.Name(type));
            }
            var o = new JsonObject(2);
            o.Add("type", TypeName(type));
            o.Add("value", wire);
            return o;
        }

        private static string AsString(object value, AttributeType type)
        {
            switch (value)
            {
                case string s:
                    if (type == AttributeType.Reference && s.Length == 0) throw new FormatException("an empty Reference (DN) value");
                    return s;
                case SecureString secure: return Secrets.ToPlainText(secure);
                case Guid g: return g.ToString("D");
                case long l: return l.ToString(CultureInfo.InvariantCulture);
                case int i: return i.ToString(CultureInfo.InvariantCulture);
                case bool b: return b ? "true" : "false";
                case byte[] _:
                    throw new FormatException("a byte[] where a " + EnumNames<AttributeType>.Name(type) + " value was expected");
                default:
                    if (value is IFormattable f) return f.ToString(null, CultureInfo.InvariantCulture);
                    var text = value.ToString();
                    if (text == null) throw new FormatException("a " + value.GetType().Name + " with no text");
                    return text;
            }
        }

        private static string AsInteger(object value)
        {
            switch (value)
            {
                case long l: return l.ToString(CultureInfo.InvariantCulture);
                case int i: return i.ToString(CultureInfo.InvariantCulture);
                case short sh: return sh.ToString(CultureInfo.InvariantCulture);
                case byte by: return by.ToString(CultureInfo.InvariantCulture);
                case string s when TryParseInt64(s.Trim(), out var p): return p.ToString(CultureInfo.InvariantCulture);
                default: throw new FormatException("a " + value.GetType().Name + " where an Integer (Int64) value was expected");
            }
        }

        private static bool AsBoolean(object value)
        {
            switch (value)
            {
                case bool b: return b;
                case string s when string.Equals(s, "true", StringComparison.OrdinalIgnoreCase) || s == "1": return true;
                case string s when string.Equals(s, "false", StringComparison.OrdinalIgnoreCase) || s == "0": return false;
                default: throw new FormatException("a " + value.GetType().Name + " where a Boolean value was expected");
            }
        }
    }
}
