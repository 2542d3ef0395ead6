using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
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

        public JsonObject(int capacity) : base(capacity, StringComparer.Ordinal) { }

        /// <summary>The string at <paramref name="key"/>; null when absent or null; ProtocolException when not a string.</summary>
        public string? Str(string key)
        {
            if (!TryGetValue(key, out var v) || v == null) return null;
            if (v is string s) return s;
            throw WrongType(key, "a string", v);
        }

        /// <summary>The string at <paramref name="key"/>; ProtocolException when absent, null or not a string.</summary>
        public string RequireString(string key)
        {
            if (!TryGetValue(key, out var v) || v == null) throw new ProtocolException("the field \"" + key + "\" is missing (expected a string)");
            if (v is string s) return s;
            throw WrongType(key, "a string", v);
        }

        /// <summary>The boolean at <paramref name="key"/>, or <paramref name="fallback"/> when absent or null.</summary>
        public bool Bool(string key, bool fallback)
        {
            if (!TryGetValue(key, out var v) || v == null) return fallback;
            if (v is bool b) return b;
            throw WrongType(key, "true or false", v);
        }

        /// <summary>
        /// The integer at <paramref name="key"/>, or <paramref name="fallback"/> when absent or null. Accepts an integral
        /// number, a double with no fraction within Int64's range, or a string of digits (Int64s travel as strings).
        /// </summary>
        public long Long(string key, long fallback)
        {
            if (!TryGetValue(key, out var v) || v == null) return fallback;
            switch (v)
            {
                case long l: return l;
                case int i: return i;
                case double d:
                    if (d == Math.Floor(d) && d >= -9.2233720368547758E18 && d < 9.2233720368547758E18) return (long)d;
                    break;
                case string s:
                    if (long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var p)) return p;
                    break;
            }
            throw WrongType(key, "an integer", v);
        }

        /// <summary>The object at <paramref name="key"/>; null when absent or null; ProtocolException when not an object.</summary>
        public JsonObject? Obj(string key)
        {
            if (!TryGetValue(key, out var v) || v == null) return null;
            if (v is JsonObject o) return o;
            throw WrongType(key, "an object", v);
        }

        /// <summary>The array at <paramref name="key"/>; null when absent or null; ProtocolException when not an array.</summary>
        public List<object?>? Arr(string key)
        {
            if (!TryGetValue(key, out var v) || v == null) return null;
            if (v is List<object?> a) return a;
            throw WrongType(key, "an array", v);
        }

        /// <summary>The object at <paramref name="key"/>; ProtocolException when absent, null or not an object.</summary>
        public JsonObject RequireObj(string key)
            => Obj(key) ?? throw new ProtocolException("the field \"" + key + "\" is missing (expected an object)");

        /// <summary>Fluent setter: <c>new JsonObject().With("a", 1)</c>.</summary>
        public JsonObject With(string key, object? value)
        {
            this[key] = value;
            return this;
        }

        public override string ToString() => Json.Write(this);

        private static ProtocolException WrongType(string key, string expected, object? actual)
            => new ProtocolException("the field \"" + key + "\" must be " + expected + ", not " + Json.KindOf(actual));
    }

    /// <summary>A malformed message: names the field or position and what was expected.</summary>
    internal sealed class ProtocolException : Exception
    {
        public ProtocolException(string message) : base(message) { }
    }

    /// <summary>A small JSON reader/writer of our own: nothing from NuGet may load into MIM's process.</summary>
    internal static class Json
    {
        /// <summary>Nesting beyond this is refused (protects the stack).</summary>
        public const int MaxDepth = 256;

        /// <summary>Parses one JSON text; ProtocolException with the position on bad input.</summary>
        public static object? Parse(string text)
        {
            if (text == null) throw new ArgumentNullException(nameof(text));
            var r = new Reader(text);
            r.SkipWhitespace();
            if (r.Pos >= text.Length) throw r.Error("expected a JSON value, found the end of the text");
            var value = r.ReadValue(0);
            r.SkipWhitespace();
            if (r.Pos < text.Length) throw r.Error("unexpected " + r.Describe(r.Pos) + " after the JSON value");
            return value;
        }

        /// <summary>Parses one JSON text that must be an object.</summary>
        public static JsonObject ParseObject(string text)
        {
            var v = Parse(text);
            return v as JsonObject ?? throw new ProtocolException("expected a JSON object, found " + KindOf(v));
        }

        public static string Write(object? value)
        {
            var sb = new StringBuilder();
            Write(sb, value);
            return sb.ToString();
        }

        /// <summary>
        /// Writes compact JSON (no whitespace; one message per line is safe: control characters are escaped).
        /// Accepts null, bool, string, char, every integral type, double/float/decimal (finite), IDictionary with
        /// string keys (JsonObject included) and IEnumerable (List included).
        /// </summary>
        public static void Write(StringBuilder sb, object? value) => WriteValue(sb, value, 0);

        private static void WriteValue(StringBuilder sb, object? value, int depth)
        {
            if (depth > MaxDepth) throw new ProtocolException("cannot write JSON nested deeper than " + MaxDepth + " levels");
            switch (value)
            {
                case null: sb.Append("null"); return;
                case string s: WriteString(sb, s); return;
                case bool b: sb.Append(b ? "true" : "false"); return;
                case long l: sb.Append(l.ToString(CultureInfo.InvariantCulture)); return;
                case int i: sb.Append(i.ToString(CultureInfo.InvariantCulture)); return;
                case JsonObject o:
                    {
                        sb.Append('{');
                        bool first = true;
                        foreach (var kv in o)
                        {
                            if (!first) sb.Append(',');
                            first = false;
                            WriteString(sb, kv.Key);
                            sb.Append(':');
                            WriteValue(sb, kv.Value, depth + 1);
                        }
                        sb.Append('}');
                        return;
                    }
                case List<object?> list:
                    {
                        sb.Append('[');
                        for (int k = 0; k < list.Count; k++)
                        {
                            if (k > 0) sb.Append(',');
                            WriteValue(sb, list[k], depth + 1);
                        }
                        sb.Append(']');
                        return;
                    }
                case double d: WriteDouble(sb, d); return;
                case float f: WriteDouble(sb, f); return;
                case decimal m: sb.Append(m.ToString(CultureInfo.InvariantCulture)); return;
                case char c: WriteString(sb, c.ToString()); return;
                case byte or sbyte or short or ushort or uint:
                    sb.Append(Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture)); return;
                case ulong ul: sb.Append(ul.ToString(CultureInfo.InvariantCulture)); return;
                case IDictionary dict:
                    {
                        sb.Append('{');
                        bool first = true;
                        foreach (DictionaryEntry kv in dict)
                        {
                            if (kv.Key is not string key) throw new ProtocolException("cannot write a JSON object whose key is " + KindOf(kv.Key));
                            if (!first) sb.Append(',');
                            first = false;
                            WriteString(sb, key);
                            sb.Append(':');
                            WriteValue(sb, kv.Value, depth + 1);
                        }
                        sb.Append('}');
                        return;
                    }
                case IEnumerable seq:
                    {
                        sb.Append('[');
                        bool first = true;
                        foreach (var item in seq)
                        {
                            if (!first) sb.Append(',');
                            first = false;
                            WriteValue(sb, item, depth + 1);
                        }
                        sb.Append(']');
                        return;
                    }
                default:
                    throw new ProtocolException("cannot write a " + value.GetType().FullName + " as JSON");
            }
        }

        private static void WriteDouble(StringBuilder sb, double d)
        {
            if (double.IsNaN(d) || double.IsInfinity(d)) throw new ProtocolException("cannot write " + d.ToString(CultureInfo.InvariantCulture) + " as JSON (not a finite number)");
#if NETFRAMEWORK
            // .NET Framework's "R" fails to round-trip some values; G17 always does.
            sb.Append(d.ToString("G17", CultureInfo.InvariantCulture));
#else
            // The shortest text that round-trips.
            sb.Append(d.ToString("R", CultureInfo.InvariantCulture));
#endif
        }

        private static readonly string[] ControlEscapes = BuildControlEscapes();

        private static string[] BuildControlEscapes()
        {
            var e = new string[0x20];
            for (int i = 0; i < e.Length; i++) e[i] = "\\u" + i.ToString("x4", CultureInfo.InvariantCulture);
            e['\b'] = "\\b"; e['\f'] = "\\f"; e['\n'] = "\\n"; e['\r'] = "\\r"; e['\t'] = "\\t";
            return e;
        }

        /// <summary>Writes a JSON string literal. U+2028/U+2029 are escaped too (safe in JavaScript source and line splitters).</summary>
        public static void WriteString(StringBuilder sb, string s)
        {
            sb.Append('"');
            int start = 0;
            int n = s.Length;
            for (int i = 0; i < n; i++)
            {
                char c = s[i];
                string? esc;
                if (c < 0x20) esc = ControlEscapes[c];
                else if (c == '"') esc = "\\\"";
                else if (c == '\\') esc = "\\\\";
                else if (c == '\u2028') esc = "\\u2028";
                else if (c == '\u2029') esc = "\\u2029";
                else continue;
                if (i > start) sb.Append(s, start, i - start);
                sb.Append(esc);
                start = i + 1;
            }
            if (n > start) sb.Append(s, start, n - start);
            sb.Append('"');
        }

        internal static string KindOf(object? v) => v switch
        {
            null => "null",
            string => "a string",
            bool => "a boolean",
            long or int or double => "a number",
            JsonObject => "an object",
            List<object?> => "an array",
            _ => "a " + v.GetType().Name,
        };

        private static readonly object BoxedTrue = true;
        private static readonly object BoxedFalse = false;
        private static readonly object[] SmallLongs = BuildSmallLongs();

        private static object[] BuildSmallLongs()
        {
            var a = new object[256];
            for (int i = 0; i < a.Length; i++) a[i] = (long)i;
            return a;
        }

        private sealed class Reader
        {
            private readonly string _s;
            public int Pos;
            private StringBuilder? _sb;

            public Reader(string s) { _s = s; }

            public ProtocolException Error(string what) => Error(what, Pos);

            public ProtocolException Error(string what, int pos)
            {
                // Line and column (1-based) as well as the offset: messages are one line each, but files are not.
                int line = 1, col = 1;
                int end = Math.Min(pos, _s.Length);
                for (int i = 0; i < end; i++)
                {
                    if (_s[i] == '\n') { line++; col = 1; } else col++;
                }
                return new ProtocolException("invalid JSON at position " + pos.ToString(CultureInfo.InvariantCulture)
                    + " (line " + line.ToString(CultureInfo.InvariantCulture) + ", column " + col.ToString(CultureInfo.InvariantCulture) + "): " + what);
            }

            public string Describe(int pos)
            {
                if (pos >= _s.Length) return "the end of the text";
                char c = _s[pos];
                if (c < 0x20 || c > 0x7e) return "character U+" + ((int)c).ToString("X4", CultureInfo.InvariantCulture);
                return "'" + c + "'";
            }

            public void SkipWhitespace()
            {
                var s = _s;
                int p = Pos;
                while (p < s.Length)
                {
                    char c = s[p];
                    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') p++;
                    else break;
                }
                Pos = p;
            }

            public object? ReadValue(int depth)
            {
                if (Pos >= _s.Length) throw Error("expected a JSON value, found the end of the text");
                char c = _s[Pos];
                switch (c)
                {
                    case '{': return ReadObject(depth + 1);
                    case '[': return ReadArray(depth + 1);
                    case '"': return ReadString();
                    case 't': Literal("true"); return BoxedTrue;
                    case 'f': Literal("false"); return BoxedFalse;
                    case 'n': Literal("null"); return null;
                    default:
                        if (c == '-' || (c >= '0' && c <= '9')) return ReadNumber();
                        throw Error("expected a JSON value, found " + Describe(Pos));
                }
            }

            private void Literal(string word)
            {
                if (Pos + word.Length > _s.Length || string.CompareOrdinal(_s, Pos, word, 0, word.Length) != 0)
                    throw Error("expected a JSON value, found " + Describe(Pos));
                Pos += word.Length;
            }

            private JsonObject ReadObject(int depth)
            {
                if (depth > MaxDepth) throw Error("JSON nested deeper than " + MaxDepth + " levels");
                Pos++; // {
                var o = new JsonObject();
                SkipWhitespace();
                if (Pos < _s.Length && _s[Pos] == '}') { Pos++; return o; }
                while (true)
                {
                    SkipWhitespace();
                    if (Pos >= _s.Length || _s[Pos] != '"') throw Error("expected a property name in double quotes, found " + Describe(Pos));
                    var key = ReadString();
                    SkipWhitespace();
                    if (Pos >= _s.Length || _s[Pos] != ':') throw Error("expected ':' after the property name \"" + key + "\", found " + Describe(Pos));
                    Pos++;
                    SkipWhitespace();
                    o[key] = ReadValue(depth); // a repeated key: the last wins, as in JavaScript
                    SkipWhitespace();
                    if (Pos >= _s.Length) throw Error("expected ',' or '}' in an object, found the end of the text");
                    char c = _s[Pos];
                    if (c == ',') { Pos++; continue; }
                    if (c == '}') { Pos++; return o; }
                    throw Error("expected ',' or '}' in an object, found " + Describe(Pos));
                }
            }

            private List<object?> ReadArray(int depth)
            {
                if (depth > MaxDepth) throw Error("JSON nested deeper than " + MaxDepth + " levels");
                Pos++; // [
                var a = new List<object?>();
                SkipWhitespace();
                if (Pos < _s.Length && _s[Pos] == ']') { Pos++; return a; }
                while (true)
                {
                    SkipWhitespace();
                    a.Add(ReadValue(depth));
                    SkipWhitespace();
                    if (Pos >= _s.Length) throw Error("expected ',' or ']' in an array, found the end of the text");
                    char c = _s[Pos];
                    if (c == ',') { Pos++; continue; }
                    if (c == ']') { Pos++; return a; }
                    throw Error("expected ',' or ']' in an array, found " + Describe(Pos));
                }
            }

            private string ReadString()
            {
                var s = _s;
                int start = ++Pos; // past the opening quote
                int p = start;
                // Fast path: no escapes.
                uint hash = 2166136261;
                while (p < s.Length)
                {
                    char c = s[p];
                    if (c == '"') { Pos = p + 1; return Intern(s, start, p - start, hash); }
                    hash = (hash ^ c) * 16777619;
                    if (c == '\\') break;
                    if (c < 0x20) throw Error("unescaped control character U+" + ((int)c).ToString("X4", CultureInfo.InvariantCulture) + " in a string", p);
                    p++;
                }
                if (p >= s.Length) throw Error("unterminated string (started at position " + (start - 1).ToString(CultureInfo.InvariantCulture) + ")", p);

                var sb = _sb ??= new StringBuilder();
                sb.Clear();
                sb.Append(s, start, p - start);
                while (true)
                {
                    if (p >= s.Length) throw Error("unterminated string (started at position " + (start - 1).ToString(CultureInfo.InvariantCulture) + ")", p);
                    char c = s[p];
                    if (c == '"') { Pos = p + 1; return sb.ToString(); }
                    if (c < 0x20) throw Error("unescaped control character U+" + ((int)c).ToString("X4", CultureInfo.InvariantCulture) + " in a string", p);
                    if (c != '\\')
                    {
                        int runStart = p;
                        while (p < s.Length && (c = s[p]) != '"' && c != '\\' && c >= 0x20) p++;
                        sb.Append(s, runStart, p - runStart);
                        continue;
                    }
                    if (p + 1 >= s.Length) throw Error("unterminated escape in a string", p);
                    char e = s[p + 1];
                    switch (e)
                    {
                        case '"': sb.Append('"'); p += 2; break;
                        case '\\': sb.Append('\\'); p += 2; break;
                        case '/': sb.Append('/'); p += 2; break;
                        case 'b': sb.Append('\b'); p += 2; break;
                        case 'f': sb.Append('\f'); p += 2; break;
                        case 'n': sb.Append('\n'); p += 2; break;
                        case 'r': sb.Append('\r'); p += 2; break;
                        case 't': sb.Append('\t'); p += 2; break;
                        case 'u':
                            {
                                if (p + 6 > s.Length) throw Error("incomplete \\u escape in a string", p);
                                int code = 0;
                                for (int k = p + 2; k < p + 6; k++)
                                {
                                    int h = Hex(s[k]);
                                    if (h < 0) throw Error("invalid hex digit " + Describe(k) + " in a \\u escape", k);
                                    code = (code << 4) | h;
                                }
                                // Lone surrogates pass through as JavaScript's JSON.parse does.
                                sb.Append((char)code);
                                p += 6;
                                break;
                            }
                        default:
                            throw Error("invalid escape '\\" + (e < 0x20 || e > 0x7e ? "U+" + ((int)e).ToString("X4", CultureInfo.InvariantCulture) : e.ToString()) + "' in a string", p);
                    }
                }
            }

            // Property names and enum-like values ("modification", "Add", "String", ...) repeat thousands of times
            // per page: short strings come from a small per-thread cache instead of a new allocation each.
            private const int InternMaxLength = 32;
            private const int InternSlots = 1024;

            [ThreadStatic]
            private static string?[]? _internCache;

            private static string Intern(string s, int start, int length, uint hash)
            {
                if (length == 0) return string.Empty;
                if (length > InternMaxLength) return s.Substring(start, length);
                var cache = _internCache ??= new string?[InternSlots];
                int slot = (int)(hash & (InternSlots - 1));
                var cached = cache[slot];
                if (cached != null && cached.Length == length && string.CompareOrdinal(s, start, cached, 0, length) == 0) return cached;
                var fresh = s.Substring(start, length);
                cache[slot] = fresh;
                return fresh;
            }

            private static int Hex(char c)
            {
                if (c >= '0' && c <= '9') return c - '0';
                if (c >= 'a' && c <= 'f') return c - 'a' + 10;
                if (c >= 'A' && c <= 'F') return c - 'A' + 10;
                return -1;
            }

            private object ReadNumber()
            {
                var s = _s;
                int start = Pos;
                int p = Pos;
                bool neg = false;
                if (s[p] == '-') { neg = true; p++; }
                if (p >= s.Length || s[p] < '0' || s[p] > '9') throw Error("expected a digit after '-', found " + Describe(p), p);
                if (s[p] == '0')
                {
                    p++;
                    if (p < s.Length && s[p] >= '0' && s[p] <= '9') throw Error("a number may not have a leading zero", start);
                }
                else
                {
                    while (p < s.Length && s[p] >= '0' && s[p] <= '9') p++;
                }
                bool integral = true;
                if (p < s.Length && s[p] == '.')
                {
                    integral = false;
                    p++;
                    if (p >= s.Length || s[p] < '0' || s[p] > '9') throw Error("expected a digit after the decimal point, found " + Describe(p), p);
                    while (p < s.Length && s[p] >= '0' && s[p] <= '9') p++;
                }
                if (p < s.Length && (s[p] == 'e' || s[p] == 'E'))
                {
                    integral = false;
                    p++;
                    if (p < s.Length && (s[p] == '+' || s[p] == '-')) p++;
                    if (p >= s.Length || s[p] < '0' || s[p] > '9') throw Error("expected a digit in the exponent, found " + Describe(p), p);
                    while (p < s.Length && s[p] >= '0' && s[p] <= '9') p++;
                }
                Pos = p;
                int digitsStart = neg ? start + 1 : start;
                int len = p - digitsStart;
                if (integral && len <= 18)
                {
                    // Fits in a long without overflow checks.
                    long v = 0;
                    for (int k = digitsStart; k < p; k++) v = v * 10 + (s[k] - '0');
                    if (!neg && v < SmallLongs.Length) return SmallLongs[v];
                    return neg ? -v : v;
                }
                var text = s.Substring(start, p - start);
                if (integral && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var big)) return big;
                // Beyond Int64 (or fractional): a double, as JavaScript would read it.
                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && !double.IsInfinity(d)) return d;
                throw Error("the number " + text + " is out of range", start);
            }
        }
    }
}
