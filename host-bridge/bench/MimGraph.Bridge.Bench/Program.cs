using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.MetadirectoryServices;
using MimGraph.Bridge.Conversion;
using MimGraph.Bridge.Protocol;

namespace MimGraph.Bridge.Bench
{
    /// <summary>
    /// Conversion benchmark: microseconds per object for JSON → CSEntryChange (import: the entries of a
    /// getImportPage answer, as the channel hands them over) and CSEntryChange → JSON (export: a batch, as
    /// the channel takes it); the table adds the same with the JSON text read or written. Objects: users with ~15 attributes (multi-valued proxyAddresses, a manager reference) and
    /// a group with 100 member references, 99 users to 1 group. Warm-up, then the median of several rounds.
    /// Usage: MimGraph.Bridge.Bench [--json] [--quick]
    /// </summary>
    internal static class Program
    {
        private const int PageSize = 100;

        private static int Main(string[] args)
        {
            bool json = Array.IndexOf(args, "--json") >= 0;
            bool quick = Array.IndexOf(args, "--quick") >= 0;
            int rounds = quick ? 5 : 15;
            int warmup = quick ? 2 : 5;
            int pagesPerRound = quick ? 10 : 30;

            var page = Data.ImportPageText(PageSize);
            var schema = Data.Schema();
            var index = new SchemaIndex(schema);
            var batch = Data.ExportBatch(PageSize);

            // Sanity: both directions work and produce what they should before timing anything.
            var check = ImportOnce(page);
            if (check != PageSize) throw new InvalidOperationException("import produced " + check + " entries");
            ExportOnce(batch, index);

            // The headline: the bridge's own conversion, from the JsonObject a channel answers to MIM's objects and
            // back (what IConnectorChannel.Call takes and returns). With the JSON text: reading/writing included.
            var import = Measure(() => ImportConvertOnly(page), rounds, warmup, pagesPerRound);
            var export = Measure(() => ExportConvertOnly(batch, index), rounds, warmup, pagesPerRound);
            var importText = Measure(() => ImportOnce(page), rounds, warmup, pagesPerRound);
            var exportText = Measure(() => ExportOnce(batch, index), rounds, warmup, pagesPerRound);
            double mean = (import.Median + export.Median) / 2;

            if (json)
            {
                Console.WriteLine("{\"microsPerObject\":{\"import\":" + F(import.Median) + ",\"export\":" + F(export.Median) + ",\"mean\":" + F(mean) + "},\"objects\":" + (rounds * pagesPerRound * PageSize * 2).ToString(CultureInfo.InvariantCulture) + "}");
                return 0;
            }

            Console.WriteLine("mimgraph bridge conversion benchmark (" + (quick ? "quick" : "full") + "): " + rounds + " rounds x " + pagesPerRound + " pages x " + PageSize + " objects (99 users with ~15 attributes, 1 group with 100 members per page)");
            Console.WriteLine();
            Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-44} {1,10} {2,10} {3,10}", "us per object", "median", "min", "max"));
            Row("import: JsonObject -> CSEntryChange", import);
            Row("export: CSEntryChange -> JsonObject", export);
            Row("import: JSON text -> CSEntryChange", importText);
            Row("export: CSEntryChange -> JSON text", exportText);
            Console.WriteLine();
            Console.WriteLine("mean of import and export conversion: " + F(mean) + " us per object");
            return 0;
        }

        private static void Row(string name, Result r)
            => Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-44} {1,7:F2} us {2,7:F2} us {3,7:F2} us", name, r.Median, r.Min, r.Max));

        private static string F(double d) => Math.Round(d, 3).ToString("0.###", CultureInfo.InvariantCulture);

        private struct Result
        {
            public double Median, Min, Max;
        }

        private static Result Measure(Func<int> once, int rounds, int warmup, int pagesPerRound)
        {
            for (int w = 0; w < warmup; w++) for (int p = 0; p < pagesPerRound; p++) once();
            var perObject = new double[rounds];
            var sw = new Stopwatch();
            for (int r = 0; r < rounds; r++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                int objects = 0;
                sw.Restart();
                for (int p = 0; p < pagesPerRound; p++) objects += once();
                sw.Stop();
                perObject[r] = sw.Elapsed.TotalMilliseconds * 1000.0 / objects;
            }
            Array.Sort(perObject);
            return new Result { Median = perObject[rounds / 2], Min = perObject[0], Max = perObject[rounds - 1] };
        }

        private static int ImportOnce(string pageText)
        {
            var answer = Json.ParseObject(pageText);
            var entries = ImportConversion.EntriesFromJson(answer.Arr("entries"));
            return entries.Count;
        }

        private static JsonObject? _parsed;

        /// <summary>The page is parsed once; each call converts its entries afresh (conversion never mutates them).</summary>
        private static int ImportConvertOnly(string pageText)
        {
            var answer = _parsed ??= Json.ParseObject(pageText);
            return ImportConversion.EntriesFromJson(answer.Arr("entries")).Count;
        }

        private static int ExportOnce(IList<CSEntryChange> batch, SchemaIndex index)
        {
            var message = new JsonObject(2) { { "session", "bench" }, { "entries", ExportConversion.EntriesToJson(batch, index) } };
            var text = Json.Write(message);
            if (text.Length == 0) throw new InvalidOperationException();
            return batch.Count;
        }

        private static int ExportConvertOnly(IList<CSEntryChange> batch, SchemaIndex index)
            => ExportConversion.EntriesToJson(batch, index).Count;
    }

    /// <summary>Realistic Graph objects, as the worker sends them and as MIM hands them over.</summary>
    internal static class Data
    {
        private static readonly string[] Departments = { "Finance", "Sales", "Engineering", "Support", "Legal" };

        private static string Id(int i) => new Guid(i, 0x1234, 0x5678, new byte[] { 1, 2, 3, 4, 5, 6, 7, (byte)(i & 0xff) }).ToString("D");

        public static Schema Schema()
        {
            var s = Microsoft.MetadirectoryServices.Schema.Create();
            var user = SchemaType.Create("user", true);
            user.Attributes.Add(SchemaAttribute.CreateAnchorAttribute("id", AttributeType.String, AttributeOperation.ImportOnly));
            foreach (var n in new[] { "displayName", "givenName", "surname", "userPrincipalName", "mail", "mailNickname", "jobTitle", "department", "companyName", "usageLocation", "employeeId", "userType", "createdDateTime" })
                user.Attributes.Add(SchemaAttribute.CreateSingleValuedAttribute(n, AttributeType.String));
            user.Attributes.Add(SchemaAttribute.CreateSingleValuedAttribute("accountEnabled", AttributeType.Boolean));
            user.Attributes.Add(SchemaAttribute.CreateMultiValuedAttribute("proxyAddresses", AttributeType.String, AttributeOperation.ImportOnly));
            user.Attributes.Add(SchemaAttribute.CreateMultiValuedAttribute("otherMails", AttributeType.String));
            user.Attributes.Add(SchemaAttribute.CreateSingleValuedAttribute("manager", AttributeType.Reference));
            user.Attributes.Add(SchemaAttribute.CreateSingleValuedAttribute("employeeOrgData.costCenter", AttributeType.String));
            s.Types.Add(user);
            var group = SchemaType.Create("group", true);
            group.Attributes.Add(SchemaAttribute.CreateAnchorAttribute("id", AttributeType.String, AttributeOperation.ImportOnly));
            foreach (var n in new[] { "displayName", "mailNickname", "description" })
                group.Attributes.Add(SchemaAttribute.CreateSingleValuedAttribute(n, AttributeType.String));
            group.Attributes.Add(SchemaAttribute.CreateSingleValuedAttribute("securityEnabled", AttributeType.Boolean));
            group.Attributes.Add(SchemaAttribute.CreateSingleValuedAttribute("mailEnabled", AttributeType.Boolean));
            group.Attributes.Add(SchemaAttribute.CreateMultiValuedAttribute("groupTypes", AttributeType.String));
            group.Attributes.Add(SchemaAttribute.CreateMultiValuedAttribute("members", AttributeType.Reference));
            s.Types.Add(group);
            return s;
        }

        private static IEnumerable<KeyValuePair<string, object>> UserAttributes(int i)
        {
            var dept = Departments[i % Departments.Length];
            yield return Kv("displayName", "User Number " + i);
            yield return Kv("givenName", "User");
            yield return Kv("surname", "Number " + i);
            yield return Kv("userPrincipalName", "user" + i + "@contoso.onmicrosoft.com");
            yield return Kv("mail", "user" + i + "@contoso.com");
            yield return Kv("mailNickname", "user" + i);
            yield return Kv("jobTitle", "Analyst " + (i % 7));
            yield return Kv("department", dept);
            yield return Kv("companyName", "Contoso Ltd.");
            yield return Kv("usageLocation", "GB");
            yield return Kv("employeeId", (100000 + i).ToString(CultureInfo.InvariantCulture));
            yield return Kv("userType", i % 10 == 0 ? "Guest" : "Member");
            yield return Kv("accountEnabled", i % 13 != 0);
            yield return Kv("proxyAddresses", new object[] { "SMTP:user" + i + "@contoso.com", "smtp:user" + i + "@contoso.onmicrosoft.com", "smtp:u" + i + "@fabrikam.com" });
            yield return Kv("manager", Id(i / 10 + 1));
            yield return Kv("employeeOrgData.costCenter", "CC-" + (i % 50));
        }

        private static KeyValuePair<string, object> Kv(string k, object v) => new KeyValuePair<string, object>(k, v);

        /// <summary>A getImportPage answer: full-import Adds, one group per 100 objects.</summary>
        public static string ImportPageText(int count)
        {
            var entries = new List<object?>(count);
            for (int i = 1; i <= count; i++)
            {
                if (i % 100 == 0) entries.Add(GroupJson(i));
                else entries.Add(UserJson(i));
            }
            return Json.Write(new JsonObject { { "entries", entries }, { "moreToImport", true }, { "customData", "{\"v\":1,\"delta\":{\"user\":\"https://graph.microsoft.com/v1.0/users/delta?$deltatoken=abc\"}}" } });
        }

        private static JsonObject Typed(object v, string? type = null)
        {
            switch (v)
            {
                case bool b: return new JsonObject { { "type", "Boolean" }, { "value", b } };
                default: return new JsonObject { { "type", type ?? "String" }, { "value", (string)v } };
            }
        }

        private static JsonObject Change(string name, IEnumerable<object> values, string? type = null)
        {
            var vs = new List<object?>();
            foreach (var v in values) vs.Add(new JsonObject { { "modification", "Add" }, { "value", Typed(v, type) } });
            return new JsonObject { { "name", name }, { "modification", "Add" }, { "values", vs } };
        }

        private static JsonObject Entry(string type, string id, List<object?> attributes)
            => new JsonObject
            {
                { "identifier", Guid.NewGuid().ToString("D") },
                { "objectType", type },
                { "modification", "Add" },
                { "dn", id },
                { "anchors", new List<object?> { new JsonObject { { "name", "id" }, { "value", Typed(id) } } } },
                { "attributes", attributes },
            };

        private static JsonObject UserJson(int i)
        {
            var attributes = new List<object?>();
            foreach (var kv in UserAttributes(i))
            {
                if (kv.Value is object[] many) attributes.Add(Change(kv.Key, many));
                else attributes.Add(Change(kv.Key, new[] { kv.Value }, kv.Key == "manager" ? "Reference" : null));
            }
            return Entry("user", Id(i), attributes);
        }

        private static IEnumerable<object> Members(int g)
        {
            for (int m = 0; m < 100; m++) yield return Id(g * 1000 + m);
        }

        private static JsonObject GroupJson(int i)
        {
            var attributes = new List<object?>
            {
                Change("displayName", new object[] { "Group " + i }),
                Change("mailNickname", new object[] { "group" + i }),
                Change("description", new object[] { "All members of team " + i }),
                Change("securityEnabled", new object[] { true }),
                Change("mailEnabled", new object[] { false }),
                Change("groupTypes", new object[] { "Unified" }),
                Change("members", Members(i), "Reference"),
            };
            return Entry("group", Id(i), attributes);
        }

        /// <summary>An export batch as MIM hands it over: user Adds with every attribute, one group Update adding 100 members.</summary>
        public static IList<CSEntryChange> ExportBatch(int count)
        {
            var list = new List<CSEntryChange>(count);
            for (int i = 1; i <= count; i++)
            {
                var cs = CSEntryChange.Create();
                if (i % 100 == 0)
                {
                    cs.ObjectModificationType = ObjectModificationType.Update;
                    cs.ObjectType = "group";
                    cs.DN = Id(i);
                    cs.AnchorAttributes.Add(AnchorAttribute.Create("id", Id(i)));
                    cs.AttributeChanges.Add(AttributeChange.CreateAttributeReplace("description", "All members of team " + i));
                    var adds = new List<ValueChange>();
                    foreach (var m in Members(i)) adds.Add(ValueChange.CreateValueAdd(m));
                    cs.AttributeChanges.Add(AttributeChange.CreateAttributeUpdate("members", adds));
                }
                else
                {
                    cs.ObjectModificationType = ObjectModificationType.Add;
                    cs.ObjectType = "user";
                    cs.DN = "{" + Id(i) + "}";
                    foreach (var kv in UserAttributes(i))
                    {
                        if (kv.Key == "proxyAddresses") continue; // import-only
                        if (kv.Value is object[] many) cs.AttributeChanges.Add(AttributeChange.CreateAttributeAdd(kv.Key, new List<object>(many)));
                        else cs.AttributeChanges.Add(AttributeChange.CreateAttributeAdd(kv.Key, kv.Value));
                    }
                    cs.AttributeChanges.Add(AttributeChange.CreateAttributeAdd("otherMails", new List<object> { "user" + i + "@example.org", "u" + i + "@example.net" }));
                }
                list.Add(cs);
            }
            return list;
        }
    }
}
