using System;
using System.Collections.Generic;
using Microsoft.MetadirectoryServices;
using Microsoft.MetadirectoryServices.DetachedObjectModel;
using MimGraph.Bridge.Ecma;
using MimGraph.Bridge.Protocol;
using Xunit;

namespace MimGraph.Bridge.Tests.Conversion
{
    /// <summary>The public classes MIM instantiates, against an in-memory channel.</summary>
    public class EcmaClassTests
    {
        private const string Secret = "Kx9!never-in-a-message";

        private static ConfigParameterKeyedCollection Config() => J.Config(
            new ConfigParameter("Tenant", "contoso.onmicrosoft.com"),
            new ConfigParameter("Client secret", J.Secure(Secret)));

        private static Schema UserSchema() => SchemaConversionTestsAccess.Schema();

        [Fact]
        public void EveryClassHasAPublicParameterlessConstructor()
        {
            foreach (var t in new[] { typeof(MimGraphCapabilities), typeof(MimGraphParameters), typeof(MimGraphSchema), typeof(MimGraphImport), typeof(MimGraphExport), typeof(MimGraphPassword) })
            {
                Assert.True(t.IsPublic);
                Assert.NotNull(t.GetConstructor(Type.EmptyTypes));
                Assert.NotNull(Activator.CreateInstance(t));
            }
            Assert.True(typeof(IMAExtensible2GetCapabilities).IsAssignableFrom(typeof(MimGraphCapabilities)));
            Assert.True(typeof(IMAExtensible2GetCapabilitiesEx).IsAssignableFrom(typeof(MimGraphCapabilities)));
            Assert.True(typeof(IMAExtensible2GetParametersEx).IsAssignableFrom(typeof(MimGraphParameters)));
            Assert.True(typeof(IMAExtensible2GetSchema).IsAssignableFrom(typeof(MimGraphSchema)));
            Assert.True(typeof(IMAExtensible2CallImport).IsAssignableFrom(typeof(MimGraphImport)));
            Assert.True(typeof(IMAExtensible2CallExport).IsAssignableFrom(typeof(MimGraphExport)));
            Assert.True(typeof(IMAExtensible2Password).IsAssignableFrom(typeof(MimGraphPassword)));
        }

        [Fact]
        public void CapabilitiesOpenCallAndDispose()
        {
            var channel = new FakeChannel().On("getCapabilities", CapabilitiesConversionTests.Answer);
            using (new FakeChannels(() => new FakeChannel().On("getCapabilities", CapabilitiesConversionTests.Answer)))
            {
                IMAExtensible2GetCapabilities plain = new MimGraphCapabilities();
                Assert.False(plain.Capabilities.SupportPartitions);
            }
            using (var fakes = new FakeChannels(channel))
            {
                IMAExtensible2GetCapabilitiesEx ex = new MimGraphCapabilities();
                var caps = ex.GetCapabilitiesEx(Config());
                Assert.Equal(MAExportType.AttributeUpdate, caps.ExportType);
                Assert.True(channel.Disposed);
                Assert.Equal("capabilities", channel.Purpose);
                var sent = channel.LastParams("getCapabilities");
                Assert.Equal(Secret, sent.RequireObj("config").RequireObj("Client secret").RequireString("value"));
            }
        }

        [Fact]
        public void ParametersAndValidationGoThroughTheChannel()
        {
            var channel = new FakeChannel()
                .On("getConfigParameters", "{'parameters':[{'name':'Tenant','type':'String'}]}")
                .On("validateConfigParameters", "{'code':'Failure','errorMessage':'bad tenant','errorParameter':'Tenant'}");
            channel.Reusable = true;
            using (new FakeChannels(channel))
            {
                var p = new MimGraphParameters();
                var defs = p.GetConfigParametersEx(Config(), ConfigParameterPage.Schema, 2);
                Assert.Equal("Tenant", Assert.Single(defs).Name);
                var sent = channel.LastParams("getConfigParameters");
                Assert.Equal("Schema", sent.Str("page"));
                Assert.Equal(2L, sent.Long("pageNumber", 0));
                p.GetConfigParameters(Config(), ConfigParameterPage.Connectivity);
                Assert.Equal("Connectivity", channel.LastParams("getConfigParameters").Str("page"));
                Assert.Equal(1L, channel.LastParams("getConfigParameters").Long("pageNumber", 0));
                var v = p.ValidateConfigParameters(Config(), ConfigParameterPage.Connectivity);
                Assert.Equal(ParameterValidationResultCode.Failure, v.Code);
                Assert.Equal("Tenant", v.ErrorParameter);
            }
        }

        [Fact]
        public void SchemaDiscoveryFailuresBecomeMimExceptionsAndStillDispose()
        {
            var channel = new FakeChannel().Fail("getSchema", "BadServerCredentials", "AADSTS7000215: invalid client secret", new JsonObject { { "requestId", "rid-1" } });
            using (new FakeChannels(channel))
            {
                var e = Assert.Throws<BadServerCredentialsException>(() => new MimGraphSchema().GetSchema(Config()));
                Assert.Contains("AADSTS7000215", e.Message);
                Assert.Contains("rid-1", e.Message);
                Assert.DoesNotContain(Secret, e.ToString());
                Assert.True(channel.Disposed);
            }
            var ok = new FakeChannel().On("getSchema", SchemaConversionTests.UserAndGroup);
            using (new FakeChannels(ok))
            {
                Assert.Equal(2, new MimGraphSchema().GetSchema(Config()).Types.Count);
                Assert.True(ok.Disposed);
            }
        }

        [Fact]
        public void BadWorkerAnswersInUiCallsAreUnexpectedData()
        {
            var channel = new FakeChannel().On("getCapabilities", "{'deltaImport':true}");
            using (new FakeChannels(channel))
            {
                var e = Assert.Throws<UnexpectedDataException>(() => new MimGraphCapabilities().GetCapabilitiesEx(Config()));
                Assert.Contains("\"objectRename\" is missing", e.Message);
                Assert.True(channel.Disposed);
            }
        }

        // ---- import ------------------------------------------------------------------------------

        private static FakeChannel ImportChannel(int pages)
        {
            int served = 0;
            return new FakeChannel()
                .On("openImport", "{'session':'s-1','customData':'wm-open'}")
                .On("getImportPage", p =>
                {
                    served++;
                    var more = served < pages ? "true" : "false";
                    return J.O("{'entries':[" + ImportConversionTests.FullUser + "],'moreToImport':" + more + ",'customData':'wm-" + served + "'}");
                })
                .On("closeImport", p => J.O("{'customData':'wm-final:" + p.RequireObj("runStep").Str("reason") + "'}"));
        }

        [Fact]
        public void AFullImportRunsOpenPagesClose()
        {
            var channel = ImportChannel(2);
            using (new FakeChannels(channel))
            {
                IMAExtensible2CallImport import = new MimGraphImport();
                Assert.Equal(100, import.ImportDefaultPageSize);
                Assert.True(import.ImportMaxPageSize >= import.ImportDefaultPageSize);
                var open = import.OpenImportConnection(Config(), UserSchema(), new OpenImportConnectionRunStep(null, OperationType.Delta, 50, "wm-old", null, null));
                Assert.Equal("wm-open", open.CustomData);
                var sent = channel.LastParams("openImport");
                Assert.Equal("Delta", sent.RequireObj("runStep").Str("importType"));
                Assert.Equal(50L, sent.RequireObj("runStep").Long("pageSize", 0));
                Assert.Equal("wm-old", sent.RequireObj("runStep").Str("customData"));
                Assert.Equal("user", ((JsonObject)sent.RequireObj("schema").Arr("types")![0]!).Str("name"));
                Assert.Equal(Secret, sent.RequireObj("config").RequireObj("Client secret").Str("value"));
                Assert.Equal("import", channel.Purpose);

                var page1 = import.GetImportEntries(new GetImportEntriesRunStep(null, "wm-open"));
                Assert.True(page1.MoreToImport);
                Assert.Equal("wm-1", page1.CustomData);
                Assert.Single(page1.CSEntries);
                Assert.Equal("s-1", channel.LastParams("getImportPage").Str("session"));
                Assert.Equal("wm-open", channel.LastParams("getImportPage").RequireObj("runStep").Str("customData"));
                var page2 = import.GetImportEntries(new GetImportEntriesRunStep(null, page1.CustomData));
                Assert.False(page2.MoreToImport);
                Assert.Equal("user", page2.CSEntries[0].ObjectType);

                var close = import.CloseImportConnection(new CloseImportConnectionRunStep(CloseReason.Normal, page2.CustomData));
                Assert.Equal("wm-final:Normal", close.CustomData);
                Assert.Equal("s-1", channel.LastParams("closeImport").Str("session"));
                Assert.Equal("wm-2", channel.LastParams("closeImport").RequireObj("runStep").Str("customData"));
                Assert.Equal(0, channel.Cancels);
                Assert.True(channel.Disposed);
                Assert.Equal(new[] { "call:openImport", "call:getImportPage", "call:getImportPage", "call:closeImport", "dispose" }, channel.Events);
            }
        }

        [Fact]
        public void AnEmptyPageHasAnEmptyListAndMissingCustomDataEchoesTheStep()
        {
            var channel = new FakeChannel()
                .On("openImport", "{'session':'s','customData':null}")
                .On("getImportPage", "{'entries':[],'moreToImport':false}")
                .On("closeImport", "{'customData':null}");
            using (new FakeChannels(channel))
            {
                var import = new MimGraphImport();
                Assert.Equal("wm", import.OpenImportConnection(Config(), UserSchema(), new OpenImportConnectionRunStep(null, OperationType.Full, 100, "wm", null, null)).CustomData);
                var page = import.GetImportEntries(new GetImportEntriesRunStep(null, "wm"));
                Assert.NotNull(page.CSEntries);
                Assert.Empty(page.CSEntries);
                Assert.Equal("wm", page.CustomData);
                Assert.Null(import.CloseImportConnection(new CloseImportConnectionRunStep()).CustomData);
            }
        }

        [Fact]
        public void StoppingARunCancelsFirstAndAlwaysDisposes()
        {
            var channel = ImportChannel(5);
            using (new FakeChannels(channel))
            {
                var import = new MimGraphImport();
                import.OpenImportConnection(Config(), UserSchema(), new OpenImportConnectionRunStep(null, OperationType.Full, 10, null, null, null));
                import.GetImportEntries(new GetImportEntriesRunStep());
                var close = import.CloseImportConnection(new CloseImportConnectionRunStep(CloseReason.TerminatedByUser, "wm-1"));
                Assert.Equal("wm-final:TerminatedByUser", close.CustomData);
                Assert.Equal(new[] { "call:openImport", "call:getImportPage", "cancel", "call:closeImport", "dispose" }, channel.Events);
            }

            var failing = ImportChannel(5).Fail("closeImport", "TerminateRun", "cancelled");
            using (new FakeChannels(failing))
            {
                var import = new MimGraphImport();
                import.OpenImportConnection(Config(), UserSchema(), new OpenImportConnectionRunStep());
                // After a stop, a failing close is only logged: MIM keeps the watermark it had.
                var close = import.CloseImportConnection(new CloseImportConnectionRunStep(CloseReason.TerminatedShuttingDown, "wm-x"));
                Assert.Equal("wm-x", close.CustomData);
                Assert.True(failing.Disposed);
            }

            var failingNormal = ImportChannel(5).Fail("closeImport", "ServerDown", "gone");
            using (new FakeChannels(failingNormal))
            {
                var import = new MimGraphImport();
                import.OpenImportConnection(Config(), UserSchema(), new OpenImportConnectionRunStep());
                Assert.Throws<ServerDownException>(() => import.CloseImportConnection(new CloseImportConnectionRunStep(CloseReason.Normal, null)));
                Assert.True(failingNormal.Disposed);
            }
        }

        [Fact]
        public void ImportFailuresMapAndAFailedOpenDisposes()
        {
            var noWatermark = new FakeChannel().Fail("openImport", "WarningNoWatermark", "run a full import first");
            using (new FakeChannels(noWatermark))
            {
                var import = new MimGraphImport();
                Assert.Throws<WarningNoWatermarkException>(() => import.OpenImportConnection(Config(), UserSchema(), new OpenImportConnectionRunStep(null, OperationType.Delta, 100, null, null, null)));
                Assert.True(noWatermark.Disposed);
                Assert.Throws<ExtensibleExtensionException>(() => import.GetImportEntries(new GetImportEntriesRunStep()));
                // A close after a failed open has nothing to close.
                Assert.Null(import.CloseImportConnection(new CloseImportConnectionRunStep()).CustomData);
            }

            var badPage = ImportChannel(1).On("getImportPage", "{'entries':[{'objectType':'user','modification':'Add','anchors':[{'name':'id','value':{'type':'Integer','value':'abc'}}],'attributes':[]}],'moreToImport':false}");
            using (new FakeChannels(badPage))
            {
                var import = new MimGraphImport();
                import.OpenImportConnection(Config(), UserSchema(), new OpenImportConnectionRunStep());
                var e = Assert.Throws<UnexpectedDataException>(() => import.GetImportEntries(new GetImportEntriesRunStep()));
                Assert.Contains("getImportPage entry 0 (user)", e.Message);
                Assert.Contains("\"anchors[0].value.value\"", e.Message);
                import.CloseImportConnection(new CloseImportConnectionRunStep(CloseReason.Unknown, null));
                Assert.True(badPage.Disposed);
            }

            var noMore = ImportChannel(1).On("getImportPage", "{'entries':[]}");
            using (new FakeChannels(noMore))
            {
                var import = new MimGraphImport();
                import.OpenImportConnection(Config(), UserSchema(), new OpenImportConnectionRunStep());
                Assert.Contains("\"moreToImport\" is missing", Assert.Throws<UnexpectedDataException>(() => import.GetImportEntries(new GetImportEntriesRunStep())).Message);
            }

            var noSession = new FakeChannel().On("openImport", "{'customData':null}");
            using (new FakeChannels(noSession))
            {
                Assert.Contains("\"session\" is missing", Assert.Throws<UnexpectedDataException>(() => new MimGraphImport().OpenImportConnection(Config(), UserSchema(), new OpenImportConnectionRunStep())).Message);
                Assert.True(noSession.Disposed);
            }
        }

        // ---- export ------------------------------------------------------------------------------

        [Fact]
        public void AnExportRunsOpenBatchesClose()
        {
            var channel = new FakeChannel()
                .On("openExport", "{'session':'e-1'}")
                .On("putExportEntries", p =>
                {
                    var first = (JsonObject)p.Arr("entries")![0]!;
                    return J.O("{'results':[{'identifier':'" + first.Str("identifier") + "','errorCode':'Success','anchors':[{'name':'id','modification':'Add','values':[{'modification':'Add','value':{'type':'String','value':'graph-id'}}]}]}]}");
                })
                .On("closeExport", "{}");
            using (new FakeChannels(channel))
            {
                IMAExtensible2CallExport export = new MimGraphExport();
                Assert.Equal(100, export.ExportDefaultPageSize);
                export.OpenExportConnection(Config(), UserSchema(), new OpenExportConnectionRunStep(null, 25, OperationType.Delta, null, null));
                var opened = channel.LastParams("openExport");
                Assert.Equal("Delta", opened.RequireObj("runStep").Str("exportType"));
                Assert.Equal(25L, opened.RequireObj("runStep").Long("batchSize", 0));
                Assert.Equal("export", channel.Purpose);

                var add = CSEntryChange.Create();
                add.ObjectModificationType = ObjectModificationType.Add;
                add.ObjectType = "user";
                add.DN = "{placeholder}";
                add.AttributeChanges.Add(AttributeChange.CreateAttributeAdd("accountEnabled", true));
                var del = new CSEntryChangeDetached(Guid.NewGuid(), ObjectModificationType.Delete, MAImportError.Success, null);
                del.ObjectType = "user";
                del.DN = "old";
                var results = export.PutExportEntries(new List<CSEntryChange> { add, del });
                var r = Assert.Single(results.CSEntryChangeResults);
                Assert.Equal(add.Identifier, r.Identifier);
                Assert.Equal("graph-id", r.AnchorAttributes["id"].ValueChanges[0].Value);
                var put = channel.LastParams("putExportEntries");
                Assert.Equal("e-1", put.Str("session"));
                Assert.Equal(2, put.Arr("entries")!.Count);
                Assert.Equal("{\"type\":\"Boolean\",\"value\":true}", Json.Write(((JsonObject)((JsonObject)((JsonObject)((JsonObject)put.Arr("entries")![0]!).Arr("attributes")![0]!).Arr("values")![0]!)["value"]!)));

                Assert.Empty(export.PutExportEntries(new List<CSEntryChange>()).CSEntryChangeResults);
                export.CloseExportConnection(new CloseExportConnectionRunStep(CloseReason.Normal));
                Assert.Equal("Normal", channel.LastParams("closeExport").RequireObj("runStep").Str("reason"));
                Assert.Equal(new[] { "call:openExport", "call:putExportEntries", "call:closeExport", "dispose" }, channel.Events);
            }
        }

        [Fact]
        public void ExportFailuresMapAndStoppingCancelsFirst()
        {
            var channel = new FakeChannel()
                .On("openExport", "{'session':'e-1'}")
                .Fail("putExportEntries", "ServerDown", "Graph is unavailable", new JsonObject { { "requestId", "rq-9" } })
                .On("closeExport", "{}");
            using (new FakeChannels(channel))
            {
                var export = new MimGraphExport();
                export.OpenExportConnection(Config(), UserSchema(), new OpenExportConnectionRunStep());
                var add = CSEntryChange.Create();
                add.ObjectModificationType = ObjectModificationType.Add;
                add.ObjectType = "user";
                var e = Assert.Throws<ServerDownException>(() => export.PutExportEntries(new List<CSEntryChange> { add }));
                Assert.Contains("rq-9", e.Message);
                export.CloseExportConnection(new CloseExportConnectionRunStep(CloseReason.TerminatedByUser));
                Assert.Equal(new[] { "call:openExport", "call:putExportEntries", "cancel", "call:closeExport", "dispose" }, channel.Events);
                Assert.Throws<ExtensibleExtensionException>(() => export.PutExportEntries(new List<CSEntryChange> { add }));
            }

            var failedOpen = new FakeChannel().Fail("openExport", "BadServerCredentials", "401");
            using (new FakeChannels(failedOpen))
            {
                var export = new MimGraphExport();
                Assert.Throws<BadServerCredentialsException>(() => export.OpenExportConnection(Config(), UserSchema(), new OpenExportConnectionRunStep()));
                Assert.True(failedOpen.Disposed);
                export.CloseExportConnection(new CloseExportConnectionRunStep(CloseReason.OpenConnectionFailure));
            }
        }

        // ---- passwords ---------------------------------------------------------------------------

        [Fact]
        public void PasswordsTravelOnlyInsideTheirCall()
        {
            var channel = new FakeChannel()
                .On("openPassword", "{'session':'p-1','securityLevel':'Secure'}")
                .On("setPassword", "{}")
                .On("changePassword", "{}")
                .On("closePassword", "{}");
            using (new FakeChannels(channel))
            {
                IMAExtensible2Password pw = new MimGraphPassword();
                pw.OpenPasswordConnection(Config(), null!);
                Assert.Equal(ConnectionSecurityLevel.Secure, pw.GetConnectionSecurityLevel());
                var entry = new FakeCSEntry("u-1", "user", new Dictionary<string, string> { ["id"] = "u-1" });
                pw.SetPassword(entry, J.Secure("N3w-Pa55!"), PasswordOptions.ForceChangeAtLogOn);
                var set = channel.LastParams("setPassword");
                Assert.Equal("p-1", set.Str("session"));
                Assert.Equal("N3w-Pa55!", set.Str("password"));
                Assert.Equal("{\"dn\":\"u-1\",\"objectType\":\"user\",\"anchor\":\"u-1\"}", Json.Write(set.RequireObj("target")));
                Assert.True(set.RequireObj("options").Bool("forceChangeAtLogOn", false));
                pw.ChangePassword(entry, J.Secure("0ld"), J.Secure("N3w"));
                var change = channel.LastParams("changePassword");
                Assert.Equal("0ld", change.Str("oldPassword"));
                Assert.Equal("N3w", change.Str("newPassword"));
                pw.ClosePasswordConnection();
                Assert.True(channel.Disposed);
                Assert.Equal("p-1", channel.LastParams("closePassword").Str("session"));
                Assert.Equal(ConnectionSecurityLevel.NotSecure, pw.GetConnectionSecurityLevel());
            }
        }

        [Fact]
        public void PasswordFailuresFollowMimsPasswordContract()
        {
            var channel = new FakeChannel()
                .On("openPassword", "{'session':'p-1','securityLevel':'Secure'}")
                .Fail("setPassword", "PasswordPolicyViolation", "too short")
                .Fail("changePassword", "ExtensibleExtension", "Graph failed")
                .On("closePassword", "{}");
            using (new FakeChannels(channel))
            {
                var pw = new MimGraphPassword();
                pw.OpenPasswordConnection(Config(), null!);
                var entry = new FakeCSEntry("u-1", "user");
                var e = Assert.Throws<PasswordPolicyViolationException>(() => pw.SetPassword(entry, J.Secure("short-secret-xyz"), PasswordOptions.None));
                Assert.DoesNotContain("short-secret-xyz", e.ToString());
                Assert.Throws<PasswordExtensionException>(() => pw.ChangePassword(entry, J.Secure("a"), J.Secure("b")));
                pw.ClosePasswordConnection();
                Assert.Throws<PasswordExtensionException>(() => pw.SetPassword(entry, J.Secure("x"), PasswordOptions.None));
            }
        }

        [Fact]
        public void SecretsNeverAppearInExceptionsOfAnyCall()
        {
            var channel = new FakeChannel()
                .Fail("getCapabilities", "ExtensibleExtension", "boom")
                .Fail("getConfigParameters", "UnexpectedData", "boom")
                .Fail("openImport", "ServerDown", "boom")
                .Fail("openExport", "ServerDown", "boom")
                .Fail("openPassword", "BadServerCredentials", "boom");
            using (new FakeChannels(() => channel))
            {
                var all = new List<Exception>
                {
                    Record(() => new MimGraphCapabilities().GetCapabilitiesEx(Config())),
                    Record(() => new MimGraphParameters().GetConfigParameters(Config(), ConfigParameterPage.Global)),
                    Record(() => new MimGraphImport().OpenImportConnection(Config(), UserSchema(), new OpenImportConnectionRunStep())),
                    Record(() => new MimGraphExport().OpenExportConnection(Config(), UserSchema(), new OpenExportConnectionRunStep())),
                    Record(() => new MimGraphPassword().OpenPasswordConnection(Config(), null!)),
                };
                foreach (var e in all)
                {
                    Assert.IsAssignableFrom<ExtensionException>(e);
                    Assert.DoesNotContain(Secret, e.ToString());
                }
            }
        }

        private static Exception Record(Action a)
        {
            try
            {
                a();
            }
            catch (Exception e)
            {
                return e;
            }
            throw new Xunit.Sdk.XunitException("no exception");
        }

        [Fact]
        public void TheRealChannelsGetTheCertificateStoreSigner()
        {
            var machine = Assert.IsType<MimGraph.Bridge.Hosting.CertificateStoreSigner>(Assert.Single(ChannelFactory.Handlers(new MimGraph.Bridge.Hosting.BridgeSettings())));
            Assert.Equal("LocalMachine\\My", machine.StoreName);
            Assert.True(machine.Handles("sign"));
            var user = Assert.IsType<MimGraph.Bridge.Hosting.CertificateStoreSigner>(Assert.Single(ChannelFactory.Handlers(new MimGraph.Bridge.Hosting.BridgeSettings { CertificateStoreLocation = "CurrentUser" })));
            Assert.Equal("CurrentUser\\My", user.StoreName);
        }

        [Fact]
        public void TheFactoryOverrideIsLocalToTheCaller()
        {
            using (new FakeChannels(new FakeChannel()))
            {
                Assert.NotNull(ChannelFactory.ChannelFactoryOverride);
                Func<string, IConnectorChannel>? seen = null;
                var t = new System.Threading.Thread(() => seen = ChannelFactory.ChannelFactoryOverride);
                var flow = System.Threading.ExecutionContext.SuppressFlow(); // as an unrelated test would run
                t.Start();
                flow.Undo();
                t.Join();
                Assert.Null(seen);
            }
            Assert.Null(ChannelFactory.ChannelFactoryOverride);
        }
    }

    internal static class SchemaConversionTestsAccess
    {
        public static Schema Schema() => MimGraph.Bridge.Conversion.SchemaConversion.FromJson(J.O(SchemaConversionTests.UserAndGroup));
    }
}
