using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using MimGraph.Bridge.Protocol;
using Xunit;

namespace MimGraph.Bridge.Tests.Channel
{
    public sealed class JsonTests
    {
        [Theory]
        [InlineData("null")]
        [InlineData("true")]
        [InlineData("false")]
        [InlineData("0")]
        [InlineData("-1")]
        [InlineData("9223372036854775807")]
        [InlineData("-9223372036854775808")]
        [InlineData("1.5")]
        [InlineData("\"\"")]
        [InlineData("\"abc\"")]
        [InlineData("[]")]
        [InlineData("{}")]
        [InlineData("[1,\"two\",true,null,{\"a\":[]}]")]
        [InlineData("{\"a\":{\"b\":{\"c\":[1,2,{\"d\":null}]}},\"e\":\"f\"}")]
        public void CompactTextRoundTrips(string text) => Assert.Equal(text, Json.Write(Json.Parse(text)));

        [Fact]
        public void WhitespaceIsAccepted()
        {
            var o = Json.ParseObject(" \r\n\t{ \"a\" : [ 1 , 2 ] ,\n \"b\" : { } } \n");
            Assert.Equal("{\"a\":[1,2],\"b\":{}}", Json.Write(o));
        }

        [Fact]
        public void TypesAreThoseDocumented()
        {
            var o = Json.ParseObject("{\"s\":\"x\",\"i\":42,\"d\":4.2,\"e\":1e3,\"b\":true,\"n\":null,\"o\":{},\"a\":[]}");
            Assert.IsType<string>(o["s"]);
            Assert.IsType<long>(o["i"]);
            Assert.IsType<double>(o["d"]);
            Assert.IsType<double>(o["e"]);
            Assert.Equal(1000.0, o["e"]);
            Assert.IsType<bool>(o["b"]);
            Assert.Null(o["n"]);
            Assert.True(o.ContainsKey("n"));
            Assert.IsType<JsonObject>(o["o"]);
            Assert.IsType<List<object?>>(o["a"]);
        }

        [Fact]
        public void Int64IsExactAtBothEnds()
        {
            Assert.Equal(long.MaxValue, Json.Parse("9223372036854775807"));
            Assert.Equal(long.MinValue, Json.Parse("-9223372036854775808"));
            Assert.Equal(999999999999999999L, Json.Parse("999999999999999999"));
            Assert.Equal(-1000000000000000000L, Json.Parse("-1000000000000000000"));
            Assert.Equal("9223372036854775807", Json.Write(long.MaxValue));
            Assert.Equal("-9223372036854775808", Json.Write(long.MinValue));
            // Beyond Int64: a double, as JavaScript reads it (the protocol sends Int64 values as strings anyway).
            Assert.Equal(9223372036854775808.0, Json.Parse("9223372036854775808"));
            Assert.Equal(1e30, Json.Parse("1000000000000000000000000000000"));
        }

        [Fact]
        public void Int64AsStringIsReadByLong()
        {
            var o = Json.ParseObject("{\"v\":\"-9223372036854775808\",\"w\":12,\"x\":3.0,\"y\":\"12x\"}");
            Assert.Equal(long.MinValue, o.Long("v", 0));
            Assert.Equal(12, o.Long("w", 0));
            Assert.Equal(3, o.Long("x", 0));
            Assert.Equal(7, o.Long("missing", 7));
            var e = Assert.Throws<ProtocolException>(() => o.Long("y", 0));
            Assert.Contains("\"y\"", e.Message);
        }

        [Fact]
        public void DoublesRoundTrip()
        {
            foreach (var d in new[] { 0.1, -2.5e-300, 1.7976931348623157e308, 5e-324, Math.PI, 123456.789 })
                Assert.Equal(d, (double)Json.Parse(Json.Write(d))!);
            Assert.Throws<ProtocolException>(() => Json.Write(double.NaN));
            Assert.Throws<ProtocolException>(() => Json.Write(double.PositiveInfinity));
        }

        [Fact]
        public void DoublesIgnoreTheCurrentCulture()
        {
            var saved = CultureInfo.CurrentCulture;
            try
            {
                CultureInfo.CurrentCulture = new CultureInfo("de-DE");
                Assert.Equal("1.5", Json.Write(1.5));
                Assert.Equal(1.5, Json.Parse("1.5"));
            }
            finally
            {
                CultureInfo.CurrentCulture = saved;
            }
        }

        [Fact]
        public void EscapesAreWrittenAndRead()
        {
            var s = "q\" b\\ s/ \b\f\n\r\t \u0000\u001f \u007f \u2028\u2029";
            var text = Json.Write(s);
            Assert.Equal("\"q\\\" b\\\\ s/ \\b\\f\\n\\r\\t \\u0000\\u001f \u007f \\u2028\\u2029\"", text);
            Assert.Equal(s, Json.Parse(text));
            Assert.DoesNotContain('\n', text);
            Assert.Equal("/\"\\\b\f\n\r\t", Json.Parse("\"\\/\\\"\\\\\\b\\f\\n\\r\\t\""));
        }

        [Fact]
        public void UnicodeSurvives()
        {
            var s = "Zoë Ångström 東京 😀 𝄞";
            Assert.Equal("\"" + s + "\"", Json.Write(s));
            Assert.Equal(s, Json.Parse(Json.Write(s)));
            Assert.Equal("é😀", Json.Parse("\"\\u00e9\\uD83D\\uDE00\""));
            Assert.Equal("\u00E9", Json.Parse("\"\\u00E9\""));
            // A lone surrogate passes through as JavaScript's JSON.parse lets it.
            Assert.Equal("\uD800", Json.Parse("\"\\ud800\""));
        }

        [Fact]
        public void LongStringsWithEscapesInTheMiddle()
        {
            var sb = new StringBuilder();
            for (int i = 0; i < 5000; i++) sb.Append("abc\"\\\n").Append((char)('a' + i % 26)).Append('é');
            var s = sb.ToString();
            Assert.Equal(s, Json.Parse(Json.Write(s)));
        }

        [Fact]
        public void AgreesWithSystemTextJson()
        {
            var rnd = new Random(7);
            for (int round = 0; round < 200; round++)
            {
                var value = RandomValue(rnd, 0);
                var ours = Json.Write(value);
                using var doc = System.Text.Json.JsonDocument.Parse(ours);
                var theirs = System.Text.Json.JsonSerializer.Serialize(doc.RootElement, new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
                Assert.Equal(Json.Write(Json.Parse(theirs)), ours);
            }
        }

        private static object? RandomValue(Random rnd, int depth)
        {
            switch (rnd.Next(depth > 3 ? 5 : 7))
            {
                case 0: return null;
                case 1: return rnd.Next(2) == 0;
                case 2: return (long)rnd.Next() * (rnd.Next(2) == 0 ? -1 : 1) * 1000003L;
                case 3: return Math.Round(rnd.NextDouble() * 1000, 3);
                case 4:
                    {
                        var sb = new StringBuilder();
                        int n = rnd.Next(12);
                        for (int i = 0; i < n; i++) sb.Append((char)rnd.Next(1, 0xD7FF));
                        return sb.ToString();
                    }
                case 5:
                    {
                        var list = new List<object?>();
                        int n = rnd.Next(5);
                        for (int i = 0; i < n; i++) list.Add(RandomValue(rnd, depth + 1));
                        return list;
                    }
                default:
                    {
                        var o = new JsonObject();
                        int n = rnd.Next(5);
                        for (int i = 0; i < n; i++) o["k" + rnd.Next(100)] = RandomValue(rnd, depth + 1);
                        return o;
                    }
            }
        }

        [Theory]
        [InlineData("", 0, "end of the text")]
        [InlineData("   ", 3, "end of the text")]
        [InlineData("{", 1, "property name")]
        [InlineData("{\"a\"}", 4, "':'")]
        [InlineData("{\"a\":1,}", 7, "property name")]
        [InlineData("{\"a\":1 \"b\":2}", 7, "',' or '}'")]
        [InlineData("[1,2", 4, "',' or ']'")]
        [InlineData("[1,]", 3, "JSON value")]
        [InlineData("[01]", 1, "leading zero")]
        [InlineData("-", 1, "digit after '-'")]
        [InlineData("1.", 2, "decimal point")]
        [InlineData("1e+", 3, "exponent")]
        [InlineData("tru", 0, "JSON value")]
        [InlineData("nul", 0, "JSON value")]
        [InlineData("True", 0, "JSON value")]
        [InlineData("'a'", 0, "JSON value")]
        [InlineData("\"abc", 4, "unterminated string")]
        [InlineData("\"a\\qb\"", 2, "invalid escape")]
        [InlineData("\"a\\u12G4\"", 6, "hex digit")]
        [InlineData("\"a\\u12\"", 2, "\\u escape")]
        [InlineData("\"a\tb\"", 2, "control character")]
        [InlineData("{} {}", 3, "after the JSON value")]
        [InlineData("NaN", 0, "JSON value")]
        public void MalformedInputNamesThePosition(string text, int position, string what)
        {
            var e = Assert.Throws<ProtocolException>(() => Json.Parse(text));
            Assert.Contains("position " + position + " ", e.Message);
            Assert.Contains(what, e.Message);
        }

        [Fact]
        public void ErrorsNameLineAndColumnToo()
        {
            var e = Assert.Throws<ProtocolException>(() => Json.Parse("{\n  \"a\": 1,\n  \"b\": x\n}"));
            Assert.Contains("line 3, column 8", e.Message);
        }

        [Fact]
        public void DeepNestingIsRefusedNotAStackOverflow()
        {
            var text = new string('[', 100000) + new string(']', 100000);
            var e = Assert.Throws<ProtocolException>(() => Json.Parse(text));
            Assert.Contains("nested deeper", e.Message);
            var ok = new string('[', 200) + new string(']', 200);
            Assert.Equal(ok, Json.Write(Json.Parse(ok)));
        }

        [Fact]
        public void TypedGettersNameTheField()
        {
            var o = Json.ParseObject("{\"s\":\"x\",\"n\":1,\"b\":true,\"o\":{\"k\":1},\"a\":[1],\"z\":null}");
            Assert.Equal("x", o.Str("s"));
            Assert.Null(o.Str("missing"));
            Assert.Null(o.Str("z"));
            Assert.Equal("x", o.RequireString("s"));
            Assert.True(o.Bool("b", false));
            Assert.True(o.Bool("missing", true));
            Assert.Equal(1L, o.Obj("o")!["k"]);
            Assert.Null(o.Obj("missing"));
            Assert.Single(o.Arr("a")!);
            Assert.Null(o.Arr("z"));

            Assert.Contains("\"n\" must be a string, not a number", Assert.Throws<ProtocolException>(() => o.Str("n")).Message);
            Assert.Contains("\"missing\" is missing", Assert.Throws<ProtocolException>(() => o.RequireString("missing")).Message);
            Assert.Contains("\"z\" is missing", Assert.Throws<ProtocolException>(() => o.RequireString("z")).Message);
            Assert.Contains("\"s\" must be true or false", Assert.Throws<ProtocolException>(() => o.Bool("s", false)).Message);
            Assert.Contains("\"b\" must be an integer", Assert.Throws<ProtocolException>(() => o.Long("b", 0)).Message);
            Assert.Contains("\"a\" must be an object, not an array", Assert.Throws<ProtocolException>(() => o.Obj("a")).Message);
            Assert.Contains("\"o\" must be an array, not an object", Assert.Throws<ProtocolException>(() => o.Arr("o")).Message);
        }

        [Fact]
        public void WriterAcceptsCommonDotNetShapes()
        {
            var d = new Dictionary<string, object?> { ["a"] = 1, ["b"] = new[] { "x", "y" }, ["c"] = (byte)7, ["d"] = 2.5f, ["e"] = 'q', ["f"] = 10m };
            Assert.Equal("{\"a\":1,\"b\":[\"x\",\"y\"],\"c\":7,\"d\":2.5,\"e\":\"q\",\"f\":10}", Json.Write(d));
            Assert.Throws<ProtocolException>(() => Json.Write(new object()));
            Assert.Equal("{\"k\":\"v\",\"n\":1}", Json.Write(new JsonObject().With("k", "v").With("n", 1L)));
        }

        [Fact]
        public void RepeatedKeysKeepTheLast()
        {
            Assert.Equal(2L, Json.ParseObject("{\"a\":1,\"a\":2}")["a"]);
        }

        [Fact]
        public void APageOfThousandsOfEntriesRoundTrips()
        {
            var entries = new List<object?>();
            for (int i = 0; i < 5000; i++)
            {
                entries.Add(new JsonObject
                {
                    ["identifier"] = Guid.NewGuid().ToString(),
                    ["objectType"] = "user",
                    ["modification"] = "Add",
                    ["anchors"] = new List<object?> { new JsonObject { ["name"] = "id", ["value"] = new JsonObject { ["type"] = "String", ["value"] = "u" + i } } },
                    ["attributes"] = new List<object?>
                    {
                        new JsonObject { ["name"] = "displayName", ["modification"] = "Add", ["values"] = new List<object?> { new JsonObject { ["modification"] = "Add", ["value"] = new JsonObject { ["type"] = "String", ["value"] = "Zoë \"" + i + "\"" } } } },
                    },
                });
            }
            var page = new JsonObject { ["entries"] = entries, ["moreToImport"] = true };
            var text = Json.Write(page);
            var back = Json.ParseObject(text);
            Assert.Equal(5000, back.Arr("entries")!.Count);
            Assert.Equal(text, Json.Write(back));
        }
    }
}
