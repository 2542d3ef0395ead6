using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.MetadirectoryServices;
using MimGraph.Bridge.Simulator;
using Xunit;
using Xunit.Abstractions;

namespace MimGraph.Bridge.Tests.Simulator
{
    /// <summary>
    /// The bridge driven as MIM Sync drives it (designer, full import, delta import, export, stop, a dying
    /// worker) against the real worker and the Graph emulator; no mocks.
    /// </summary>
    [Collection(SimulatorCollection.Name)]
    public sealed class RunCycleTests
    {
        private readonly EmulatorFixture env;
        private readonly ITestOutputHelper output;

        public RunCycleTests(EmulatorFixture env, ITestOutputHelper output)
        {
            this.env = env;
            this.output = output;
        }

        private void Trace(string line) => output.WriteLine(line);

        private static void NoViolations(MimSyncSimulator sim) => Assert.True(sim.Violations.Count == 0, sim.Violations.Describe());

        private static List<JsonObject> Members(EmulatorGraph g) =>
            g.Objects("user").Where(u => u.Str("userType") == "Member").ToList();

        private static object? One(CSEntryChange e, string name) =>
            e.AttributeChanges.Contains(name) ? e.AttributeChanges[name].ValueChanges.FirstOrDefault()?.Value : null;

        private static string Sorted(IEnumerable<string> ids) => string.Join(",", ids.OrderBy(x => x, StringComparer.Ordinal));

        private static void SameIds(List<JsonObject> inDirectory, IEnumerable<CSEntryChange> imported)
        {
            var want = inDirectory.Select(o => o.Str("id")!).ToHashSet();
            var got = imported.ToDictionary(e => e.DN, e => e);
            var missing = want.Where(id => !got.ContainsKey(id)).ToList();
            var extra = got.Keys.Where(id => !want.Contains(id)).ToList();
            Assert.True(missing.Count == 0 && extra.Count == 0,
                "not imported: " + string.Join(", ", missing.Select(id => inDirectory.First(o => o.Str("id") == id).ToJsonString())) +
                "; imported but not in the directory: " + string.Join(", ", extra.Select(id => $"{id} {One(got[id], "displayName")} {One(got[id], "userPrincipalName")}")));
        }

        [Fact]
        public void Designer_shows_the_pages_in_MIM_order_validates_them_and_discovers_the_schema()
        {
            var (designed, result) = env.Designed();
            Assert.True(result.Succeeded, string.Join("; ", result.Pages) + Environment.NewLine + designed.Violations.Describe());
            var shown = result.Pages.Select(p => $"{p.Page}/{p.Number}").ToList();
            Assert.Equal(new[] { "Connectivity/1", "Global/1", "Schema/1", "RunStep/1" }, shown);
            Assert.All(result.Pages, p => Assert.Equal(ParameterValidationResultCode.Success, p.Validation!.Code));
            Assert.Empty(designed.UndefinedEnteredNames);
            var connectivity = result.Pages[0].Definitions;
            Assert.Equal(ConfigParameterType.EncryptedString, connectivity.Single(d => d.Name == "Client secret").Type);
            Assert.True(designed.Config["Client secret"].IsEncrypted);

            var caps = designed.Capabilities!;
            Assert.Equal(MADistinguishedNameStyle.Generic, caps.DistinguishedNameStyle);
            Assert.True(caps.DeltaImport);
            Assert.Equal(MAExportType.AttributeUpdate, caps.ExportType);
            Assert.True(designed.ImportDefaultPageSize >= 1 && designed.ImportDefaultPageSize <= designed.ImportMaxPageSize);

            var schema = result.Schema!;
            Assert.Equal(new[] { "group", "user" }, schema.Types.Select(t => t.Name).OrderBy(n => n, StringComparer.Ordinal));
            foreach (var t in schema.Types)
            {
                var anchor = Assert.Single(t.AnchorAttributes);
                Assert.Equal("id", anchor.Name);
                Assert.Equal(AttributeType.String, anchor.DataType);
            }
            var members = schema.Types["group"].Attributes["members"];
            Assert.True(members.IsMultiValued);
            Assert.Equal(AttributeType.Reference, members.DataType);
            Assert.Equal(AttributeType.Boolean, schema.Types["user"].Attributes["accountEnabled"].DataType);
            NoViolations(designed);

            // The filter check box adds Schema page 2 (GetConfigParametersEx until an empty page).
            var sim = env.SavedMa(Trace);
            sim.Enter("Add objects filter", "1").Enter("Filter: user", "userType eq 'Guest'");
            var page1 = sim.ShowPage(ConfigParameterPage.Schema, 1)!;
            Assert.False(page1.Failed, page1.ToString());
            var page2 = sim.ShowPage(ConfigParameterPage.Schema, 2)!;
            Assert.NotNull(page2);
            Assert.False(page2.Failed, page2.ToString());
            Assert.Contains(page2.Definitions, d => d.Name == "Filter: user");
            Assert.Equal("userType eq 'Guest'", sim.Config["Filter: user"].Value);
            Assert.Null(sim.ShowPage(ConfigParameterPage.Schema, 3));
            sim.Enter("Add objects filter", "0");
            NoViolations(sim);

            // Leaving a page with a bad value: the validation fails and names the field.
            sim.Enter("Tenant", "common");
            var bad = sim.Validate(ConfigParameterPage.Connectivity, 1)!;
            Assert.Equal(ParameterValidationResultCode.Failure, bad.Code);
            Assert.Equal("Tenant", bad.ErrorParameter);
            Assert.Contains("Tenant", bad.ErrorMessage);
            // A wrong secret is caught by the live sign-in on the Connectivity page.
            sim.Enter("Tenant", env.TenantId).EnterSecret("Client secret", "not-the-secret");
            var wrong = sim.Validate(ConfigParameterPage.Connectivity, 1)!;
            Assert.Equal(ParameterValidationResultCode.Failure, wrong.Code);
            Assert.Equal("Client secret", wrong.ErrorParameter);
            Assert.DoesNotContain("not-the-secret", wrong.ErrorMessage);
            NoViolations(sim);
        }

        [Fact]
        public void Full_import_brings_every_user_and_group_and_a_delta_import_exactly_the_changes_made_since()
        {
            var sim = env.SavedMa(Trace);
            var g = env.Graph;
            var users = g.Objects("user");
            var groups = g.Objects("group");

            var full = sim.FullImport(pageSize: 25);
            NoViolations(sim);
            Assert.True(full.Committed);
            Assert.False(string.IsNullOrEmpty(sim.Watermark));
            Assert.Equal(users.Count + groups.Count, full.Entries.Count);
            Assert.True(full.Pages >= (users.Count + groups.Count) / 25);
            Assert.All(full.Entries, e => Assert.Equal(ObjectModificationType.Add, e.ObjectModificationType));
            SameIds(users, full.OfType("user"));
            SameIds(groups, full.OfType("group"));
            Assert.Equal(users.Count + groups.Count, sim.Space.Count);
            // Members outside the schema's object types (contacts here) are not references MIM could resolve: the connector leaves them out.
            var inScope = users.Concat(groups).Select(o => o.Str("id")!).ToHashSet();
            // Known emulator bug (emulator/graph/delta.ts relationRefs: the initial round lists every id of the
            // relation set, soft-deleted users included, while /members hides them): an earlier test's deleted
            // user can still arrive as a member. Such references dangle in the connector space; nothing else may.
            var softDeleted = g.Must("GET", "/directory/deletedItems/microsoft.graph.user?$select=id")!["value"]!.AsArray()
                .Select(n => n!["id"]!.GetValue<string>()).ToHashSet();
            var dangling = sim.Space.DanglingReferences(sim.Schema!);
            Assert.True(dangling.All(d => softDeleted.Contains(d.DN)),
                "references to objects the import did not bring: " + string.Join(", ", dangling.Where(d => !softDeleted.Contains(d.DN)).Select(d => $"{d.Holder}.{d.Attribute} → {d.DN}")));
            if (dangling.Count > 0) output.WriteLine($"emulator bug still present: {dangling.Count} reference(s) to soft-deleted users in the full import");
            foreach (var grp in groups)
            {
                var cs = sim.Space.ByDN(grp.Str("id")!)!;
                Assert.Equal("group", cs.ObjectType);
                var want = grp.Strings("members").Where(inScope.Contains).ToHashSet();
                var got = cs.Values("members").Cast<string>().Where(id => !softDeleted.Contains(id)).ToHashSet();
                Assert.True(want.SetEquals(got),
                    $"group {cs.DN} ({grp.Str("displayName")}): not imported [{Sorted(want.Except(got))}], imported but not members [{Sorted(got.Except(want))}]");
            }
            var someone = users[3];
            Assert.Equal(someone.Str("displayName"), sim.Space.ByDN(someone.Str("id")!)!.Value("displayName"));
            Assert.IsType<bool>(sim.Space.ByDN(someone.Str("id")!)!.Value("accountEnabled"));
            var firstWatermark = sim.Watermark;

            // Changes in Entra.
            var members = Members(g);
            var renamed = members[5].Str("id")!;
            var group = groups[2];
            var groupId = group.Str("id")!;
            var joiner = members.First(u => !group.Strings("members").Contains(u.Str("id")!)).Str("id")!;
            var leaver = group.Strings("members").First(m => m != renamed && members.Any(u => u.Str("id") == m));
            var deleted = members.Last(u => u.Str("id") != joiner && u.Str("id") != leaver && u.Str("id") != renamed).Str("id")!;
            var groupsOfDeleted = groups.Where(x => x.Strings("members").Contains(deleted)).Select(x => x.Str("id")!).ToHashSet();
            g.Must("PATCH", $"/users/{renamed}", new Dictionary<string, object?> { ["displayName"] = "Renamed By Simulator", ["jobTitle"] = null });
            g.Must("POST", $"/groups/{groupId}/members/$ref", g.Ref(joiner));
            g.Must("DELETE", $"/groups/{groupId}/members/{leaver}/$ref");
            var created = g.Must("POST", "/users", new Dictionary<string, object>
            {
                ["accountEnabled"] = true,
                ["displayName"] = "Delta Newcomer",
                ["mailNickname"] = "delta.newcomer",
                ["userPrincipalName"] = "delta.newcomer@mimgraph.onmicrosoft.com",
                ["passwordProfile"] = new Dictionary<string, object> { ["password"] = "Delta!Passw0rd-1", ["forceChangePasswordNextSignIn"] = false },
            })!["id"]!.GetValue<string>();
            g.Must("DELETE", $"/users/{deleted}");

            var delta = sim.DeltaImport(pageSize: 10);
            NoViolations(sim);
            Assert.True(delta.Committed);
            Assert.NotEqual(firstWatermark, sim.Watermark);
            var byDn = delta.ByDN();
            var expected = new HashSet<string> { renamed, groupId, created, deleted };
            expected.UnionWith(groupsOfDeleted);
            Assert.All(delta.Entries, e => Assert.True(expected.Contains(e.DN), $"unexpected {e.ObjectModificationType} {e.ObjectType} {e.DN}"));

            var rename = byDn[renamed];
            Assert.Equal(ObjectModificationType.Update, rename.ObjectModificationType);
            Assert.Equal(AttributeModificationType.Replace, rename.AttributeChanges["displayName"].ModificationType);
            Assert.Equal("Renamed By Simulator", One(rename, "displayName"));
            Assert.Equal(AttributeModificationType.Delete, rename.AttributeChanges["jobTitle"].ModificationType);
            Assert.Equal("Renamed By Simulator", sim.Space.ByDN(renamed)!.Value("displayName"));

            var membership = byDn[groupId];
            Assert.Equal(ObjectModificationType.Update, membership.ObjectModificationType);
            var change = membership.AttributeChanges["members"];
            Assert.Equal(AttributeModificationType.Update, change.ModificationType);
            Assert.Contains(change.ValueChanges, v => v.ModificationType == ValueModificationType.Add && (string)v.Value == joiner);
            Assert.Contains(change.ValueChanges, v => v.ModificationType == ValueModificationType.Delete && (string)v.Value == leaver);
            var csGroup = sim.Space.ByDN(groupId)!;
            Assert.Contains(joiner, csGroup.Values("members").Cast<string>());
            Assert.DoesNotContain(leaver, csGroup.Values("members").Cast<string>());

            var add = byDn[created];
            Assert.Equal(ObjectModificationType.Add, add.ObjectModificationType);
            Assert.Equal("user", add.ObjectType);
            Assert.Equal(created, add.AnchorAttributes["id"].Value);
            Assert.Equal("delta.newcomer@mimgraph.onmicrosoft.com", One(add, "userPrincipalName"));

            var gone = byDn[deleted];
            Assert.Equal(ObjectModificationType.Delete, gone.ObjectModificationType);
            Assert.Empty(gone.AttributeChanges);
            Assert.Null(sim.Space.ByDN(deleted));
            foreach (var other in groupsOfDeleted.Where(id => id != groupId && byDn.ContainsKey(id)))
                Assert.All(byDn[other].AttributeChanges, a => Assert.All(a.ValueChanges, v => Assert.Equal(deleted, v.Value)));

            // Nothing changed since: an empty delta, and the watermark moves on.
            var quiet = sim.DeltaImport();
            Assert.Empty(quiet.Entries);
            Assert.True(quiet.Committed);
            NoViolations(sim);
        }

        [Fact]
        public void Export_adds_updates_references_and_deletes_and_the_next_delta_import_confirms_them()
        {
            var sim = env.SavedMa(Trace);
            var g = env.Graph;
            sim.FullImport(pageSize: 100);
            var members = Members(g);
            var target = sim.Space.ByDN(members[10].Str("id")!)!;
            var doomed = sim.Space.ByDN(members[11].Str("id")!)!;
            var group = sim.Space.ByDN(g.Objects("group")[4].Str("id")!)!;
            var removedMember = group.Values("members").Cast<string>().First(m => m != target.DN && m != doomed.DN);
            var upn = $"sim.export.{Guid.NewGuid():N}".Substring(0, 24) + "@mimgraph.onmicrosoft.com";

            var add = PendingExport.Add("user", "CN=Simulator Export User")
                .Set("accountEnabled", true)
                .Set("displayName", "Simulator Export User")
                .Set("mailNickname", "sim.export.user")
                .Set("userPrincipalName", upn)
                .Set("manager", target.DN);
            var update = PendingExport.Update(target).Set("jobTitle", "Exported by the simulator").Clear("department");
            var membership = PendingExport.Update(group).AddValues("members", target.DN, add.DN).RemoveValues("members", removedMember);
            var delete = PendingExport.Delete(doomed);

            var export = sim.Export(new[] { add, update, membership, delete }, batchSize: 2);
            output.WriteLine(export.Describe());
            NoViolations(sim);
            Assert.Empty(export.Errors);
            Assert.True(export.Batches >= 3, "four changes in batches of two, then the reference pass");
            Assert.All(export.Changes, c => Assert.True(c.Change.AttributeChanges.All(a => a.DataType != AttributeType.Undefined)));
            // References wait for the second pass (NoReferenceValuesInFirstExport).
            Assert.DoesNotContain(export.Changes.Where(c => c.Pass == 1), c => c.Change.AttributeChanges.Contains("members") || c.Change.AttributeChanges.Contains("manager"));
            var newId = Assert.IsType<string>(export.AnchorOf(add));
            Assert.True(Guid.TryParse(newId, out _));
            Assert.Same(add.Target, sim.Space.ByAnchor(newId));

            // The directory has them.
            var user = g.Must("GET", $"/users/{newId}")!;
            Assert.Equal(upn, user["userPrincipalName"]!.GetValue<string>());
            Assert.Equal(target.DN, g.Must("GET", $"/users/{newId}/manager")!["id"]!.GetValue<string>());
            var updated = g.Must("GET", $"/users/{target.DN}?$select=id,jobTitle,department")!;
            Assert.Equal("Exported by the simulator", updated["jobTitle"]!.GetValue<string>());
            Assert.Null(updated["department"]);
            var groupNow = g.Objects("group").Single(x => x.Str("id") == group.DN);
            Assert.Contains(target.DN, groupNow.Strings("members"));
            Assert.Contains(newId, groupNow.Strings("members"));
            Assert.DoesNotContain(removedMember, groupNow.Strings("members"));
            Assert.Equal(HttpStatusCode.NotFound, g.Call("GET", $"/users/{doomed.DN}").Status);

            // The confirming import: every exported change comes back, the add is renamed to its id.
            Assert.NotEmpty(sim.PendingConfirmations);
            var confirm = sim.DeltaImport();
            NoViolations(sim);
            Assert.True(confirm.Committed);
            Assert.Empty(sim.NotReimported);
            Assert.True(sim.PendingConfirmations.Count == 0, string.Join("; ", sim.PendingConfirmations));
            Assert.Equal(newId, add.Target!.DN);
            Assert.Contains(newId, sim.Space.ByDN(group.DN)!.Values("members").Cast<string>());
            Assert.Null(sim.Space.ByDN(doomed.DN));
        }

        [Fact]
        public void A_failing_entry_is_that_entry_s_result_and_the_batch_goes_on()
        {
            var sim = env.SavedMa(Trace);
            sim.FullImport(pageSize: 100);
            var taken = Members(env.Graph)[20];
            var other = sim.Space.ByDN(Members(env.Graph)[21].Str("id")!)!;
            var duplicate = PendingExport.Add("user", "CN=Duplicate UPN")
                .Set("accountEnabled", true)
                .Set("displayName", "Duplicate UPN")
                .Set("mailNickname", "duplicate.upn")
                .Set("userPrincipalName", taken.Str("userPrincipalName")!);
            var fine = PendingExport.Update(other).Set("jobTitle", "Still exported");
            // The provisioning password (export_password, sent with the add: ExportPasswordInFirstPass) as the
            // engine's SecureString: a weak one is refused by Graph for that entry only, a strong one creates the user.
            var weak = NewUser("weak.password").Set("export_password", MimSyncSimulator.ToSecure("weakpw"));
            var strong = NewUser("strong.password").Set("export_password", MimSyncSimulator.ToSecure("Str0ng!Simulator-Pass"));

            var export = sim.Export(new[] { duplicate, fine, weak, strong }, batchSize: 10);
            output.WriteLine(export.Describe());
            NoViolations(sim);
            var weakResult = Assert.Single(export.For(weak));
            Assert.NotEqual(MAExportError.Success, weakResult.ErrorCode);
            Assert.DoesNotContain("weakpw", weakResult.Result!.ErrorDetail ?? "");
            output.WriteLine($"weak password: {weakResult.ErrorCode} {weakResult.Result.ErrorName}");
            Assert.IsType<string>(export.AnchorOf(strong));
            var failed = Assert.Single(export.Errors, c => c.Pending != weak);
            Assert.Same(duplicate, failed.Pending);
            Assert.NotEqual(MAExportError.Success, failed.ErrorCode);
            Assert.True(failed.ErrorCode >= MAExportError.ExportErrorConnectedDirectoryError, $"an error, not a special action: {failed.ErrorCode}");
            Assert.NotEqual(MAExportError.ExportErrorCustomStopRun, failed.ErrorCode);
            Assert.False(string.IsNullOrEmpty(failed.Result!.ErrorName));
            Assert.Null(export.AnchorOf(duplicate));
            Assert.Equal("Still exported", env.Graph.Must("GET", $"/users/{other.DN}?$select=jobTitle")!["jobTitle"]!.GetValue<string>());
        }

        [Fact]
        public void A_delta_import_without_a_usable_watermark_asks_for_a_full_import()
        {
            var sim = env.SavedMa(Trace);
            foreach (var watermark in new[] { null, "not a watermark" })
            {
                sim.Watermark = watermark;
                var e = Assert.ThrowsAny<Exception>(() => sim.DeltaImport());
                output.WriteLine($"{watermark ?? "(none)"}: {e.GetType().Name}: {e.Message}");
                Assert.IsType<WarningNoWatermarkException>(e);
                Assert.Contains("full import", e.Message, StringComparison.OrdinalIgnoreCase);
                Assert.Equal(watermark, sim.Watermark);
            }
            Assert.Empty(WorkerProcesses.WaitNone(TimeSpan.FromSeconds(10)));
            NoViolations(sim);
        }

        [Fact]
        public void Password_reset_goes_through_MIM_s_password_calls_with_the_engine_s_CSEntry()
        {
            var sim = env.SavedMa(Trace);
            sim.FullImport(pageSize: 100);
            var user = sim.Space.ByDN(Members(env.Graph)[30].Str("id")!)!;
            sim.SetPassword(user, "N3w!Simulator-Passw0rd", PasswordOptions.ForceChangeAtLogOn);
            var stored = env.Graph.Objects("user").Single(u => u.Str("id") == user.DN);
            Assert.True(stored["passwordProfile"]?["forceChangePasswordNextSignIn"]?.GetValue<bool>() == true, stored.ToJsonString());

            // A password Graph refuses is MIM's password exception for that object, never the password itself.
            var e = Assert.ThrowsAny<Exception>(() => sim.SetPassword(user, "weakpw", PasswordOptions.None));
            output.WriteLine($"{e.GetType().Name}: {e.Message}");
            Assert.True(e is PasswordPolicyViolationException || e is PasswordIllFormedException, e.ToString());
            Assert.DoesNotContain("weakpw", e.Message);
            NoViolations(sim);
            Assert.Empty(WorkerProcesses.WaitNone(TimeSpan.FromSeconds(10)));
        }

        private static PendingExport NewUser(string nick) =>
            PendingExport.Add("user", "CN=" + nick)
                .Set("accountEnabled", true)
                .Set("displayName", nick)
                .Set("mailNickname", nick)
                .Set("userPrincipalName", $"{nick}.{Guid.NewGuid().ToString("N").Substring(0, 8)}@mimgraph.onmicrosoft.com");

        [Fact]
        public void Stop_between_pages_closes_the_run_cleanly_and_keeps_the_stored_watermark()
        {
            var sim = env.SavedMa(Trace);
            var run = sim.OpenImport(OperationType.Full, pageSize: 5);
            var first = run.Next();
            Assert.Equal(5, first.Entries.Count);
            Assert.True(first.MoreToImport);
            run.Next();
            var stopped = run.Stop();
            Assert.Equal(CloseReason.TerminatedByUser, stopped.Reason);
            Assert.False(stopped.Committed);
            Assert.Null(sim.Watermark);
            Assert.Equal(10, sim.Space.Count);
            NoViolations(sim);
            Assert.Empty(WorkerProcesses.WaitNone(TimeSpan.FromSeconds(10)));

            // The MA runs again after a stop.
            var full = sim.FullImport(pageSize: 50);
            Assert.True(full.Committed);
            Assert.False(string.IsNullOrEmpty(sim.Watermark));
            NoViolations(sim);
        }

        [Fact]
        public async Task Stop_while_a_page_is_in_flight_ends_the_run_within_seconds()
        {
            var sim = env.SavedMa(Trace);
            var run = sim.OpenImport(OperationType.Full, pageSize: 5);
            try
            {
                env.Graph.Configure(new { faults = new { latencyMs = 4000 } });
                var inFlight = Task.Run(() => { while (run.MoreToImport) run.Next(); });
                await Task.Delay(500);
                var clock = Stopwatch.StartNew();
                var stopped = run.Stop();
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the stop took {clock.Elapsed}");
                Assert.False(stopped.Committed);
                // The call in flight ends too: abandoned (a MIM exception) or answered.
                var ended = await Task.WhenAny(inFlight, Task.Delay(TimeSpan.FromSeconds(10)));
                Assert.Same(inFlight, ended);
                if (inFlight.IsFaulted)
                {
                    var e = inFlight.Exception!.GetBaseException();
                    Assert.True(e is ExtensionException || e is InvalidOperationException, e.ToString());
                }
            }
            finally
            {
                env.Graph.Configure(new { faults = new { latencyMs = 0 } });
            }
            Assert.Empty(WorkerProcesses.WaitNone(TimeSpan.FromSeconds(10)));
            var violations = sim.Violations.All.Where(v => v.Rule != "exception.not-mim" || !v.Message.Contains("InvalidOperationException")).ToList();
            Assert.True(violations.Count == 0, string.Join(Environment.NewLine, violations));
        }

        [Fact]
        public async Task A_worker_killed_during_GetImportEntries_surfaces_as_a_MIM_exception_naming_the_cause()
        {
            Assert.Empty(WorkerProcesses.WaitNone(TimeSpan.FromSeconds(5)));
            var sim = env.SavedMa(Trace);
            var run = sim.OpenImport(OperationType.Full, pageSize: 5);
            var workers = WorkerProcesses.Children();
            var worker = Assert.Single(workers);
            Exception? failure = null;
            var clock = new Stopwatch();
            try
            {
                env.Graph.Configure(new { faults = new { latencyMs = 3000 } });
                var call = Task.Run(() =>
                {
                    while (run.MoreToImport) run.Next();
                });
                await Task.Delay(400);
                Assert.False(call.IsCompleted, "the page was expected to be still waiting for Graph");
                clock.Start();
                Assert.Equal(0, Posix.Kill(worker, 9));
                var ended = await Task.WhenAny(call, Task.Delay(TimeSpan.FromSeconds(15)));
                Assert.Same(call, ended);
                clock.Stop();
                failure = call.Exception?.GetBaseException();
            }
            finally
            {
                env.Graph.Configure(new { faults = new { latencyMs = 0 } });
            }
            Assert.NotNull(failure);
            output.WriteLine($"{failure!.GetType().FullName} after {clock.ElapsedMilliseconds} ms: {failure.Message}");
            Assert.IsAssignableFrom<ExtensionException>(failure);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the failure took {clock.Elapsed}");
            Assert.Contains("worker", failure.Message, StringComparison.OrdinalIgnoreCase);
            Assert.Matches("exit|kill|signal|stopped|died|ended", failure.Message.ToLowerInvariant());
            Assert.NotEqual("stopped-extension-dll-exception", MimRunStatus.Of(failure));

            // MIM ends the step: the close must not hang or throw, and nothing is left running.
            var closed = run.Close(CloseReason.Unknown);
            Assert.False(closed.Committed);
            Assert.Empty(WorkerProcesses.WaitNone(TimeSpan.FromSeconds(5)));
            NoViolations(sim);

            // The next run step starts a fresh worker.
            var again = sim.FullImport(pageSize: 100);
            Assert.True(again.Committed);
        }
    }
}
