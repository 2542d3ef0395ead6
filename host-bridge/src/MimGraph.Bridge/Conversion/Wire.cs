using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using MimGraph.Bridge.Protocol;

namespace MimGraph.Bridge.Conversion
{
    /// <summary>
    /// A field of a worker message that does not have the shape the bridge protocol describes. Thrown
    /// inside the conversions with the field's path relative to where it was found; each enclosing level
    /// prepends its own part (<see cref="In(string)"/>, <see cref="At(int)"/>), so the path is built only
    /// when something is wrong. Never leaves the Conversion namespace: <see cref="Wire.Bad"/> turns it
    /// into a <see cref="ConnectorCallException"/> ("UnexpectedData").
    /// </summary>
    internal sealed class WireFieldException : Exception
    {
        public WireFieldException(string path, string problem, Exception? inner = null)
            : base(problem, inner)
        {
            FieldPath = path;
            Problem = problem;
        }

        /// <summary>The field's path, e.g. <c>attributes[2].values[0].value</c> (empty: the element itself).</summary>
        public string FieldPath { get; private set; }

        /// <summary>What is wrong, e.g. <c>must be a string, not a number</c>.</summary>
        public string Problem { get; }

        /// <summary>Prepends a property name.</summary>
        public WireFieldException In(string property)
        {
            FieldPath = FieldPath.Length == 0 ? property : FieldPath[0] == '[' ? property + FieldPath : property + "." + FieldPath;
            return this;
        }

        /// <summary>Prepends an array index.</summary>
        public WireFieldException At(int index)
        {
            var idx = "[" + index.ToString(CultureInfo.InvariantCulture) + "]";
            FieldPath = FieldPath.Length == 0 ? idx : FieldPath[0] == '[' ? idx + FieldPath : idx + "." + FieldPath;
            return this;
        }

        public override string Message => FieldPath.Length == 0 ? Problem : "the field \"" + FieldPath + "\" " + Problem;
    }

    /// <summary>Typed, path-reporting getters over <see cref="JsonObject"/>, for worker answers.</summary>
    internal static class Wire
    {
        /// <summary>
        /// The exception that stops the call: the worker answered something the protocol does not allow.
        /// <paramref name="what"/> names the answer and the element, e.g. "getImportPage entry 3 (user 'abc')".
        /// </summary>
        public static ConnectorCallException Bad(string what, WireFieldException e)
            => new ConnectorCallException("UnexpectedData", "the connector sent an unexpected " + what + ": " + e.Message, null, e);

        public static ConnectorCallException Bad(string what, string problem, Exception? inner = null)
            => new ConnectorCallException("UnexpectedData", "the connector sent an unexpected " + what + ": " + problem, null, inner);

        public static JsonObject AsObject(object? node)
        {
            if (node is JsonObject o) return o;
            throw new WireFieldException("", "must be an object, not " + Json.KindOf(node));
        }

        public static string RequireString(JsonObject o, string key)
        {
            if (o.TryGetValue(key, out var v))
            {
                if (v is string s) return s;
                if (v != null) throw new WireFieldException(key, "must be a string, not " + Json.KindOf(v));
            }
            throw new WireFieldException(key, "is missing (expected a string)");
        }

        /// <summary>A string that must not be empty.</summary>
        public static string RequireName(JsonObject o, string key)
        {
            var s = RequireString(o, key);
            if (s.Length == 0) throw new WireFieldException(key, "must not be empty");
            return s;
        }

        public static string? OptString(JsonObject o, string key)
        {
            if (!o.TryGetValue(key, out var v) || v == null) return null;
            if (v is string s) return s;
            throw new WireFieldException(key, "must be a string, not " + Json.KindOf(v));
        }

        public static bool RequireBool(JsonObject o, string key)
        {
            if (o.TryGetValue(key, out var v))
            {
                if (v is bool b) return b;
                if (v != null) throw new WireFieldException(key, "must be true or false, not " + Json.KindOf(v));
            }
            throw new WireFieldException(key, "is missing (expected true or false)");
        }

        public static bool OptBool(JsonObject o, string key, bool fallback)
        {
            if (!o.TryGetValue(key, out var v) || v == null) return fallback;
            if (v is bool b) return b;
            throw new WireFieldException(key, "must be true or false, not " + Json.KindOf(v));
        }

        public static List<object?> RequireArray(JsonObject o, string key)
        {
            if (o.TryGetValue(key, out var v))
            {
                if (v is List<object?> a) return a;
                if (v != null) throw new WireFieldException(key, "must be an array, not " + Json.KindOf(v));
            }
            throw new WireFieldException(key, "is missing (expected an array)");
        }

        public static List<object?>? OptArray(JsonObject o, string key)
        {
            if (!o.TryGetValue(key, out var v) || v == null) return null;
            if (v is List<object?> a) return a;
            throw new WireFieldException(key, "must be an array, not " + Json.KindOf(v));
        }

        public static JsonObject RequireObject(JsonObject o, string key)
        {
            if (o.TryGetValue(key, out var v))
            {
                if (v is JsonObject r) return r;
                if (v != null) throw new WireFieldException(key, "must be an object, not " + Json.KindOf(v));
            }
            throw new WireFieldException(key, "is missing (expected an object)");
        }

        /// <summary>An enum member by its exact name (MIM's own names, as the protocol uses them).</summary>
        public static T RequireEnum<T>(JsonObject o, string key) where T : struct, Enum
        {
            var s = RequireString(o, key);
            if (EnumNames<T>.TryParse(s, out var value)) return value;
            throw new WireFieldException(key, "must be one of " + EnumNames<T>.List + ", not " + Quote(s));
        }

        /// <summary>A short, safe rendering of a worker-supplied string for messages (never used for secrets).</summary>
        public static string Quote(string s)
        {
            const int Max = 80;
            var sb = new StringBuilder(Math.Min(s.Length, Max) + 8);
            sb.Append('"');
            for (int i = 0; i < s.Length && i < Max; i++)
            {
                char c = s[i];
                if (c < 0x20 || c == 0x7f) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                else sb.Append(c);
            }
            if (s.Length > Max) sb.Append("...");
            sb.Append('"');
            return sb.ToString();
        }
    }

    /// <summary>
    /// Enum members by exact name, both ways, without reflection per call and without Enum.TryParse's
    /// leniency (numbers, comma lists, case folding).
    /// </summary>
    internal static class EnumNames<T> where T : struct, Enum
    {
        private static readonly Dictionary<string, T> ByName = Build(out NameOf);
        private static readonly Dictionary<T, string> NameOf;

        /// <summary>"A, B or C", for messages.</summary>
        public static readonly string List = BuildList();

        private static Dictionary<string, T> Build(out Dictionary<T, string> names)
        {
            var byName = new Dictionary<string, T>(StringComparer.Ordinal);
            names = new Dictionary<T, string>();
            foreach (var n in Enum.GetNames(typeof(T)))
            {
                var v = (T)Enum.Parse(typeof(T), n);
                byName[n] = v;
                if (!names.ContainsKey(v)) names[v] = n;
            }
            return byName;
        }

        private static string BuildList()
        {
            var names = Enum.GetNames(typeof(T));
            if (names.Length == 1) return names[0];
            return string.Join(", ", names, 0, names.Length - 1) + " or " + names[names.Length - 1];
        }

        public static bool TryParse(string name, out T value) => ByName.TryGetValue(name, out value);

        /// <summary>The member's name; the number for a value that is not a member.</summary>
        public static string Name(T value)
            => NameOf.TryGetValue(value, out var n) ? n : Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);

        public static bool IsDefined(T value) => NameOf.ContainsKey(value);
    }
}
