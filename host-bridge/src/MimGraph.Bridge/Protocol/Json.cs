using System;
using System.Collections.Generic;
using System.Text;

namespace MimGraph.Bridge.Protocol
{
    /// <summary>
    /// A JSON object: ordinal keys, values are JsonObject, List&lt;object?&gt;, string, long (integral
    /// numbers), double, bool or null.
    /// </summary>
    internal sealed class JsonObject : Dictionary<string, object?>
    {
        public JsonObject() : base(StringComparer.Ordinal) { }

        // TODO(channel helper): typed getters that throw ProtocolException naming the field:
        // string? Str(string key); string RequireString(string key); bool Bool(string key, bool fallback);
        // long Long(string key, long fallback); JsonObject? Obj(string key); List<object?>? Arr(string key)
    }

    /// <summary>A malformed message: names the field or position and what was expected.</summary>
    internal sealed class ProtocolException : Exception
    {
        public ProtocolException(string message) : base(message) { }
    }

    /// <summary>A small JSON reader/writer of our own: nothing from NuGet may load into MIM's process.</summary>
    internal static class Json
    {
        /// <summary>Parses one JSON text; ProtocolException with the position on bad input.</summary>
        public static object? Parse(string text) => throw new NotImplementedException();

        public static string Write(object? value)
        {
            var sb = new StringBuilder();
            Write(sb, value);
            return sb.ToString();
        }

        public static void Write(StringBuilder sb, object? value) => throw new NotImplementedException();
    }
}
