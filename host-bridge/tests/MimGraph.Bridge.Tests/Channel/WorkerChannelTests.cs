using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using MimGraph.Bridge.Hosting;
using MimGraph.Bridge.Protocol;
using Xunit;

namespace MimGraph.Bridge.Tests.Channel
{
    [Collection(ChannelCollection.Name)]
    public sealed class WorkerChannelTests
    {
        // ---- the real worker: the happy path ----

        [Fact]
        public void RealWorkerShakesHandsAndAnswersCapabilitiesAndParameters()
        {
            using var channel = WorkerChannel.Start(ChannelTestSupport.RealWorker(), "test");
            Assert.Equal(WorkerChannel.BridgeVersion, channel.ConnectorVersion);
            Assert.Contains("getCapabilities", channel.Methods);

            var caps = channel.Call("getCapabilities", new JsonObject { ["config"] = new JsonObject() });
            Assert.IsType<bool>(caps["deltaImport"]);
            Assert.NotNull(caps.Str("exportType"));

            var page = channel.Call("getConfigParameters", new JsonObject { ["config"] = new JsonObject(), ["page"] = "Connectivity" });
            var parameters = page.Arr("parameters");
            Assert.NotNull(parameters);
            Assert.NotEmpty(parameters!);
            Assert.All(parameters!, p => Assert.IsType<JsonObject>(p));
        }

        [Fact]
        public void RealWorkerOverlappingCallsEachGetTheirOwnAnswer()
        {
            using var channel = WorkerChannel.Start(ChannelTestSupport.RealWorker(), "test");
            var pages = new[] { "Connectivity", "Global", "Schema" };
            var results = new JsonObject[pages.Length * 4];
            Parallel.For(0, results.Length, i =>
                results[i] = channel.Call("getConfigParameters", new JsonObject { ["config"] = new JsonObject(), ["page"] = pages[i % pages.Length] }));
            for (int i = 0; i < results.Length; i++)
                Assert.Equal(Json.Write(results[i % pages.Length]), Json.Write(results[i]));
        }

        [Fact]
        public void RealWorkerErrorsCarryTheMimError()
        {
            using var channel = WorkerChannel.Start(ChannelTestSupport.RealWorker(), "test");
            var e = Assert.Throws<ConnectorCallException>(() => channel.Call("getConfigParameters", new JsonObject { ["config"] = new JsonObject(), ["page"] = "NoSuchPage" }));
            Assert.Equal("ExtensibleExtension", e.MimError);
            Assert.Contains("page", e.Message);
            var unknown = Assert.Throws<ConnectorCallException>(() => channel.Call("noSuchMethod", new JsonObject()));
            Assert.Equal("EntryPointNotImplemented", unknown.MimError);
            // The channel survives failed calls.
            Assert.NotNull(channel.Call("getCapabilities", new JsonObject { ["config"] = new JsonObject() }));
        }

        [Fact]
        public void SecretsInParamsNeverReachTheCommandLineOrEnvironment()
        {
            var secret = "s3cr3t-" + Guid.NewGuid().ToString("N");
            var log = Path.Combine(ChannelTestSupport.NewTempFolder("mimgraph-log"), "bridge.log");
            TraceLog.Configure(log, "debug");
            try
            {
                CallWithASecret(secret);
            }
            finally
            {
                TraceLog.Configure(null, null);
            }
            // Nor the trace log: the bridge logs method names and sizes, the worker redacts.
            var text = ReadShared(log);
            Assert.Contains("validateConfigParameters", text);
            Assert.DoesNotContain(secret, text);
        }

        private static void CallWithASecret(string secret)
        {
            using var channel = WorkerChannel.Start(ChannelTestSupport.RealWorker(), "test");
            var config = new JsonObject
            {
                ["Client secret"] = new JsonObject { ["value"] = secret, ["encrypted"] = true },
                ["Tenant ID"] = new JsonObject { ["value"] = "contoso.onmicrosoft.com" },
            };
            channel.Call("getCapabilities", new JsonObject { ["config"] = config });
            channel.Call("validateConfigParameters", new JsonObject { ["config"] = config, ["page"] = "Connectivity" });

            Assert.DoesNotContain(secret, channel.CommandLine);
            if (!OperatingSystem.IsLinux()) return; // what follows reads the live process through /proc
            var pid = channel.WorkerProcessId;
            var cmdline = File.ReadAllText("/proc/" + pid + "/cmdline").Replace('\0', ' ');
            var environ = File.ReadAllText("/proc/" + pid + "/environ").Split('\0');
            Assert.DoesNotContain(secret, cmdline);
            Assert.EndsWith(Path.Combine("dist", "connector", "worker", "main.js") + " ", cmdline);
            Assert.DoesNotContain(environ, v => v.Contains(secret, StringComparison.Ordinal));
            Assert.Contains(environ, v => v.StartsWith("MIMGRAPH_LOG_LEVEL=", StringComparison.Ordinal));
            Assert.Contains(environ, v => v.StartsWith("MIMGRAPH_HEARTBEAT_SECONDS=", StringComparison.Ordinal));
            // The current environment plus those two: nothing else of ours.
            var ours = new List<string>();
            foreach (var v in environ)
            {
                if (v.StartsWith("MIMGRAPH_", StringComparison.Ordinal) && Environment.GetEnvironmentVariable(v.Substring(0, v.IndexOf('='))) == null) ours.Add(v);
            }
            Assert.Equal(2, ours.Count);
        }

        [Fact]
        public void DisposeLeavesNoProcess()
        {
            var channel = WorkerChannel.Start(ChannelTestSupport.RealWorker(), "test");
            var pid = channel.WorkerProcessId;
            Assert.True(ChannelTestSupport.IsAlive(pid));
            channel.Dispose();
            Assert.True(ChannelTestSupport.GoneWithin(pid, 2000), "worker " + pid + " still runs after Dispose");
            var e = Assert.Throws<ConnectorCallException>(() => channel.Call("getCapabilities", new JsonObject { ["config"] = new JsonObject() }));
            Assert.Contains("closed", e.Message);
        }

        [Fact]
        public void DisposeStopsAWorkerThatIgnoresShutdown()
        {
            var channel = WorkerChannel.Start(ChannelTestSupport.FakeWorker(), "test");
            var pid = channel.WorkerProcessId;
            channel.Call("stubborn", new JsonObject());
            channel.Dispose();
            Assert.True(ChannelTestSupport.GoneWithin(pid, 2000), "stubborn worker " + pid + " still runs after Dispose");
        }

        // ---- versions ----

        [Fact]
        public void AWorkerOfAnotherVersionIsRefused()
        {
            var settings = ChannelTestSupport.FakeWorker(version: "9.9.9");
            var e = Assert.Throws<ConnectorCallException>(() => WorkerChannel.Start(settings, "test"));
            Assert.Equal("ExtensibleExtension", e.MimError);
            Assert.Contains("9.9.9", e.Message);
            Assert.Contains(WorkerChannel.BridgeVersion, e.Message);
            Assert.Contains("reinstall both from one", e.Message);
        }

        [Fact]
        public void AWorkerThatDiesBeforeTheHandshakeIsNamedWithItsOutput()
        {
            var settings = ChannelTestSupport.FakeWorker(script: "process.stderr.write('Error: Cannot find module undici\\n'); process.exit(2);");
            var sw = Stopwatch.StartNew();
            var e = Assert.Throws<ConnectorCallException>(() => WorkerChannel.Start(settings, "test"));
            Assert.True(sw.ElapsedMilliseconds < 10000, "took " + sw.ElapsedMilliseconds + " ms");
            Assert.Contains("did not start", e.Message);
            Assert.Contains("exited with code 2", e.Message);
            Assert.Contains("Cannot find module undici", e.Message);
        }

        [Fact]
        public void AWorkerThatNeverAnswersHelloIsStoppedAfterTheStartTimeout()
        {
            var settings = ChannelTestSupport.FakeWorker(script: "setInterval(() => {}, 1000);");
            settings.StartTimeoutSeconds = 1;
            var sw = Stopwatch.StartNew();
            var e = Assert.Throws<ConnectorCallException>(() => WorkerChannel.Start(settings, "test"));
            Assert.True(sw.ElapsedMilliseconds < 4000, "took " + sw.ElapsedMilliseconds + " ms");
            Assert.Contains("did not answer hello within 1 s", e.Message);
            Assert.Contains("startTimeoutSeconds", e.Message);
        }

        [Fact]
        public void TheBridgeVersionIsThePackageVersion()
        {
            var package = Json.ParseObject(File.ReadAllText(Path.Combine(ChannelTestSupport.Repo, "package.json")));
            Assert.Equal(package.RequireString("version"), WorkerChannel.BridgeVersion);
        }

        [Fact]
        public void AMissingConnectorOrNodeIsNamedWithTheFix()
        {
            var noConnector = ChannelTestSupport.RealWorker();
            noConnector.ConnectorFolder = Path.Combine(Path.GetTempPath(), "no-such-mimgraph-" + Guid.NewGuid().ToString("N"));
            var e1 = Assert.Throws<ConnectorCallException>(() => WorkerChannel.Start(noConnector, "test"));
            Assert.Contains("connectorFolder", e1.Message);

            var noNode = ChannelTestSupport.RealWorker();
            noNode.NodePath = Path.Combine(Path.GetTempPath(), "no-such-node-" + Guid.NewGuid().ToString("N"));
            var e2 = Assert.Throws<ConnectorCallException>(() => WorkerChannel.Start(noNode, "test"));
            Assert.Contains("nodePath", e2.Message);
        }

        // ---- failures ----

        [Fact]
        public void AWorkerKilledMidCallFailsTheCallNamingTheExitWithinTwoSeconds()
        {
            var channel = WorkerChannel.Start(ChannelTestSupport.FakeWorker(), "test");
            var pid = channel.WorkerProcessId;
            var call = StartCall(channel, "silent");
            WaitUntil(() => channel.PendingCount == 1, 5000);
            Thread.Sleep(100);
            Assert.False(call.IsCompleted);

            var sw = Stopwatch.StartNew();
            ChannelTestSupport.KillHard(pid);
            var e = Assert.Throws<ConnectorCallException>(() => WaitOrTimeout(call, 5000));
            Assert.True(sw.ElapsedMilliseconds < 2000, "took " + sw.ElapsedMilliseconds + " ms");
            Assert.Equal("ExtensibleExtension", e.MimError);
            Assert.Contains("exited with code", e.Message);
            Assert.Contains("silent", e.Message);
            Assert.True(ChannelTestSupport.GoneWithin(pid, 2000));

            // Later calls fail at once with the same cause; Dispose is quiet.
            var again = Assert.Throws<ConnectorCallException>(() => channel.Call("echo", new JsonObject()));
            Assert.Contains("exited with code", again.Message);
            channel.Dispose();
            Assert.False(ChannelTestSupport.IsAlive(pid));
        }

        [Fact]
        public void AWorkerThatExitsQuotesItsLastOutput()
        {
            using var channel = WorkerChannel.Start(ChannelTestSupport.FakeWorker(), "test");
            var e = Assert.Throws<ConnectorCallException>(() => channel.Call("crash", new JsonObject()));
            Assert.Contains("exited with code 3", e.Message);
            Assert.Contains("fatal: the fake worker gives up", e.Message);
            Assert.Contains("during crash", e.Message);
        }

        [Fact]
        public void HeartbeatSilenceStopsTheWorkerWithinTheTimeout()
        {
            var channel = WorkerChannel.Start(ChannelTestSupport.FakeWorker(heartbeatTimeoutSeconds: 2), "test");
            var pid = channel.WorkerProcessId;
            var sw = Stopwatch.StartNew();
            var e = Assert.Throws<ConnectorCallException>(() => channel.Call("silent", new JsonObject()));
            Assert.True(sw.ElapsedMilliseconds < 3000, "took " + sw.ElapsedMilliseconds + " ms");
            Assert.Equal("ExtensibleExtension", e.MimError);
            Assert.Contains("sent no heartbeat for 2 s during silent; it was stopped", e.Message);
            Assert.True(ChannelTestSupport.GoneWithin(pid, 2000), "the silent worker was not stopped");
            channel.Dispose();
        }

        [Fact]
        public void HeartbeatsKeepALongCallAlive()
        {
            using var channel = WorkerChannel.Start(ChannelTestSupport.FakeWorker(heartbeatTimeoutSeconds: 2), "test");
            var result = channel.Call("beats", new JsonObject { ["ms"] = 4000L });
            Assert.True(result.Bool("done", false));
            Assert.False(channel.IsDead);
        }

        [Fact]
        public void AnAnnouncedWaitIsNotTakenForAHang()
        {
            // Retry-After or the write governor: the worker says how long it will wait; silence within that is fine.
            using var channel = WorkerChannel.Start(ChannelTestSupport.FakeWorker(heartbeatTimeoutSeconds: 2), "test");
            var result = channel.Call("announced", new JsonObject { ["waitMs"] = 3000L, ["answerMs"] = 3500L });
            Assert.True(result.Bool("done", false));
            // ... but silence beyond the announced wait plus the timeout is.
            var sw = Stopwatch.StartNew();
            var e = Assert.Throws<ConnectorCallException>(() => channel.Call("announced", new JsonObject { ["waitMs"] = 500L, ["answerMs"] = 60000L }));
            Assert.True(sw.ElapsedMilliseconds < 3500, "took " + sw.ElapsedMilliseconds + " ms");
            Assert.Contains("sent no heartbeat for 2 s during announced", e.Message);
        }

        [Fact]
        public void ConnectorErrorsMapToMimErrorsWithGraphsRequestId()
        {
            using var channel = WorkerChannel.Start(ChannelTestSupport.FakeWorker(), "test");
            var e = Assert.Throws<ConnectorCallException>(() => channel.Call("fail", new JsonObject()));
            Assert.Equal("ServerDown", e.MimError);
            Assert.Equal("Graph is down", e.Message);
            Assert.Equal("req-123", e.RequestId);
            Assert.Contains("req-123", EventLogReporter.Describe("import", e));
            Assert.Contains("ServerDown", EventLogReporter.Describe("import", e));
        }

        [Fact]
        public void ParamsRoundTripThroughTheWorker()
        {
            using var channel = WorkerChannel.Start(ChannelTestSupport.FakeWorker(), "test");
            var p = new JsonObject
            {
                ["text"] = "naïve “quotes” \\ \" \n\t 😀 \u2028",
                ["big"] = "9223372036854775807",
                ["n"] = 9007199254740991L,
                ["list"] = new List<object?> { 1L, 2.5, true, null, new JsonObject() },
            };
            var back = channel.Call("echo", p);
            Assert.Equal(Json.Write(p), Json.Write(back));
        }

        // ---- the worker asks, the bridge answers ----

        private sealed class Signer : IWorkerRequestHandler
        {
            public bool Handles(string method) => method == "sign";

            public JsonObject Handle(string method, JsonObject parameters)
            {
                var data = parameters.RequireString("data");
                if (data == "refuse") throw new ConnectorCallException("BadServerCredentials", "no such certificate");
                return new JsonObject { ["signature"] = "sig(" + data + ")" };
            }
        }

        [Fact]
        public void WorkerRequestsAreAnsweredByTheHandlers()
        {
            using var channel = WorkerChannel.Start(ChannelTestSupport.FakeWorker(), "test", new IWorkerRequestHandler[] { new Signer() });
            var r = channel.Call("ask", new JsonObject { ["data"] = "abc" });

            var sign = r.RequireObj("sign");
            Assert.Equal("w1", sign.Str("id"));
            Assert.Equal("sig(abc)", sign.RequireObj("result").Str("signature"));

            var nope = r.RequireObj("nope").RequireObj("error");
            Assert.Equal(-32601L, nope.Long("code", 0));
            Assert.Equal("EntryPointNotImplemented", nope.RequireObj("data").Str("mimError"));

            var refused = channel.Call("ask", new JsonObject { ["data"] = "refuse" }).RequireObj("sign").RequireObj("error");
            Assert.Equal(-32000L, refused.Long("code", 0));
            Assert.Equal("no such certificate", refused.Str("message"));
            Assert.Equal("BadServerCredentials", refused.RequireObj("data").Str("mimError"));
        }

        // ---- MIM closes the run early ----

        [Fact]
        public void CancelPendingFailsTheCallsInFlightWithTerminateRunAndTellsTheWorker()
        {
            var log = Path.Combine(ChannelTestSupport.NewTempFolder("mimgraph-log"), "bridge.log");
            TraceLog.Configure(log, "debug");
            try
            {
                using var channel = WorkerChannel.Start(ChannelTestSupport.FakeWorker(), "test");
                var a = StartCall(channel, "silent");
                var b = StartCall(channel, "silent");
                WaitUntil(() => channel.PendingCount == 2, 5000);
                channel.CancelPending();
                var ea = Assert.Throws<ConnectorCallException>(() => WaitOrTimeout(a, 2000));
                var eb = Assert.Throws<ConnectorCallException>(() => WaitOrTimeout(b, 2000));
                Assert.Equal("TerminateRun", ea.MimError);
                Assert.Equal("TerminateRun", eb.MimError);
                Assert.True(WaitForText(log, "\"msg\":\"cancelled\"", 2, 3000), "the worker did not get two cancels:\n" + ReadShared(log));
                // The worker goes on serving.
                Assert.Equal("x", channel.Call("echo", new JsonObject { ["v"] = "x" }).Str("v"));
            }
            finally
            {
                TraceLog.Configure(null, null);
            }
        }

        // ---- the trace log ----

        [Fact]
        public void WorkerStderrLandsInTheTraceLog()
        {
            var log = Path.Combine(ChannelTestSupport.NewTempFolder("mimgraph-log"), "sub", "bridge.log");
            TraceLog.Configure(log, "info");
            try
            {
                using var channel = WorkerChannel.Start(ChannelTestSupport.FakeWorker(), "test");
                var marker = "marker-" + Guid.NewGuid().ToString("N");
                channel.Call("log", new JsonObject { ["text"] = marker });
                Assert.True(WaitForText(log, "plain " + marker, 1, 3000), ReadShared(log));
                var lines = ReadShared(log).Split('\n');
                var json = Array.Find(lines, l => l.Contains("\"msg\":\"" + marker + "\"", StringComparison.Ordinal));
                Assert.NotNull(json);
                Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z WARN \[\d+\] worker \d+: \{", json!);
            }
            finally
            {
                TraceLog.Configure(null, null);
            }
        }

        [Fact]
        public void RealWorkerLogsReachTheTraceLogAtDebug()
        {
            var log = Path.Combine(ChannelTestSupport.NewTempFolder("mimgraph-log"), "bridge.log");
            TraceLog.Configure(log, "debug");
            try
            {
                using (var channel = WorkerChannel.Start(ChannelTestSupport.RealWorker(), "test"))
                {
                    Assert.Equal("debug", TraceLog.LevelName);
                    channel.Call("getCapabilities", new JsonObject { ["config"] = new JsonObject() });
                }
                var text = ReadShared(log);
                Assert.Contains("DEBUG", text);
                Assert.Contains("getCapabilities", text);
                Assert.Contains("ready for test", text);
            }
            finally
            {
                TraceLog.Configure(null, null);
            }
        }

        // ---- channels ----

        [Fact]
        public void ChannelsOpensTheWorkerByDefaultAndNamesAnUnknownChannel()
        {
            using (var c = Channels.Open(ChannelTestSupport.RealWorker(), "test", Array.Empty<IWorkerRequestHandler>()))
                Assert.IsType<WorkerChannel>(c);
            var odd = ChannelTestSupport.RealWorker();
            odd.Channel = "carrier-pigeon";
            var e = Assert.Throws<ConnectorCallException>(() => Channels.Open(odd, "test", Array.Empty<IWorkerRequestHandler>()));
            Assert.Contains("carrier-pigeon", e.Message);
            Assert.Contains("\"worker\"", e.Message);
        }

        [Fact]
        public void HeartbeatIntervalIsAThirdOfTheTimeoutAtMostTenSeconds()
        {
            Assert.Equal(10, WorkerChannel.ChooseHeartbeatSeconds(60));
            Assert.Equal(0.667, WorkerChannel.ChooseHeartbeatSeconds(2));
            Assert.Equal(0.2, WorkerChannel.ChooseHeartbeatSeconds(0.1));
        }

        [Fact]
        public void ArgumentsAreQuotedForTheCommandLine()
        {
            Assert.Equal("plain", WorkerProcess.QuoteArgument("plain"));
            Assert.Equal("\"C:\\Program Files\\mimgraph\\main.js\"", WorkerProcess.QuoteArgument(@"C:\Program Files\mimgraph\main.js"));
            Assert.Equal("\"a b\\\\\"", WorkerProcess.QuoteArgument("a b\\"));
            Assert.Equal("\"say \\\"hi\\\"\"", WorkerProcess.QuoteArgument("say \"hi\""));
            Assert.Equal("\"\"", WorkerProcess.QuoteArgument(""));
        }

        private static Task<JsonObject> StartCall(WorkerChannel channel, string method)
            => Task.Factory.StartNew(() => channel.Call(method, new JsonObject()), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        private static void WaitUntil(Func<bool> condition, int ms)
        {
            var sw = Stopwatch.StartNew();
            while (!condition())
            {
                if (sw.ElapsedMilliseconds > ms) throw new TimeoutException("the condition did not hold within " + ms + " ms");
                Thread.Sleep(10);
            }
        }

        private static T WaitOrTimeout<T>(Task<T> task, int ms)
        {
            try
            {
                task.Wait(ms);
            }
            catch (AggregateException)
            {
                // the call's own failure: rethrown below as itself
            }
            if (!task.IsCompleted) throw new TimeoutException("the call did not end within " + ms + " ms");
            return task.GetAwaiter().GetResult();
        }

        private static string ReadShared(string path)
        {
            if (!File.Exists(path)) return "(no log file " + path + ")";
            using var s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var r = new StreamReader(s, Encoding.UTF8);
            return r.ReadToEnd();
        }

        private static bool WaitForText(string path, string text, int count, int ms)
        {
            var sw = Stopwatch.StartNew();
            do
            {
                var all = ReadShared(path);
                int n = 0;
                for (int i = all.IndexOf(text, StringComparison.Ordinal); i >= 0; i = all.IndexOf(text, i + 1, StringComparison.Ordinal)) n++;
                if (n >= count) return true;
                Thread.Sleep(25);
            }
            while (sw.ElapsedMilliseconds < ms);
            return false;
        }
    }
}
