using System;
using System.IO;
using Microsoft.MetadirectoryServices;
using MimGraph.Bridge.Ecma;
using MimGraph.Bridge.Hosting;
using Xunit;

namespace MimGraph.Bridge.Tests.Conversion
{
    /// <summary>The trace log is process-wide: these run in the channel tests' collection, never beside them.</summary>
    [Collection("Channel (processes and the trace log)")]
    public class TraceLogConfigTests
    {
        private const string Secret = "Tq4#secret-not-for-logs";

        [Fact]
        public void TheLogParametersConfigureTheTraceLogAndFailuresReachItWithoutSecrets()
        {
            var file = Path.Combine(Path.GetTempPath(), "mimgraph-ecma-" + Guid.NewGuid().ToString("N") + ".log");
            try
            {
                var config = J.Config(
                    new ConfigParameter(ChannelFactory.LogFileParameter, file),
                    new ConfigParameter(ChannelFactory.LogLevelParameter, "debug"),
                    new ConfigParameter("Client secret", J.Secure(Secret)));
                var channel = new FakeChannel().Fail("getCapabilities", "ServerDown", "login.microsoftonline.com is unreachable", new Protocol.JsonObject { { "requestId", "req-77" } });
                using (new FakeChannels(channel))
                {
                    Assert.Throws<ServerDownException>(() => new MimGraphCapabilities().GetCapabilitiesEx(config));
                }
                Assert.Equal(file, TraceLog.File);
                Assert.Equal(TraceLogLevel.Debug, TraceLog.Level);

                // Only the level given: the file stays.
                ChannelFactory.ConfigureLog(J.Config(new ConfigParameter(ChannelFactory.LogLevelParameter, "warn")));
                Assert.Equal(file, TraceLog.File);
                Assert.Equal(TraceLogLevel.Warn, TraceLog.Level);
                // Neither: nothing changes.
                ChannelFactory.ConfigureLog(J.Config(new ConfigParameter("Tenant", "x")));
                Assert.Equal(TraceLogLevel.Warn, TraceLog.Level);
            }
            finally
            {
                TraceLog.Configure(null, null);
            }
            var text = File.ReadAllText(file);
            Assert.Contains("getCapabilities", text);
            Assert.Contains("login.microsoftonline.com is unreachable", text);
            Assert.Contains("req-77", text);
            Assert.DoesNotContain(Secret, text);
            File.Delete(file);
        }
    }
}
