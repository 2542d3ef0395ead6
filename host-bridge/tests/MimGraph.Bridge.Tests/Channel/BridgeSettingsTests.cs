using System;
using System.IO;
using MimGraph.Bridge.Hosting;
using MimGraph.Bridge.Protocol;
using Xunit;

namespace MimGraph.Bridge.Tests.Channel
{
    public sealed class BridgeSettingsTests
    {
        [Fact]
        public void AnEmptyFileGivesTheDefaults()
        {
            var s = BridgeSettings.Parse("{}", "test.json");
            Assert.Equal("worker", s.Channel);
            Assert.Equal(60, s.HeartbeatTimeoutSeconds);
            Assert.Equal(30, s.StartTimeoutSeconds);
            Assert.Equal("LocalMachine", s.CertificateStoreLocation);
            Assert.Null(s.DataFolder);
            Assert.Null(s.LogFile);
            Assert.False(string.IsNullOrEmpty(s.NodePath));
            // Off Windows, the folder above the DLL holding dist/connector/worker/main.js: this repository.
            Assert.Equal(Path.GetFullPath(ChannelTestSupport.Repo), Path.GetFullPath(s.ConnectorFolder));
            Assert.True(File.Exists(s.WorkerScript));
            Assert.Equal(s.ConnectorFolder, BridgeSettings.Parse("", "blank.json").ConnectorFolder);
        }

        [Fact]
        public void EveryKeyIsRead()
        {
            var s = BridgeSettings.Parse("\uFEFF{\"channel\":\"edge\",\"nodePath\":\"/opt/node/bin/node\",\"connectorFolder\":\"/opt/mimgraph\","
                + "\"heartbeatTimeoutSeconds\":90,\"startTimeoutSeconds\":12.5,\"certificateStoreLocation\":\"currentuser\","
                + "\"dataFolder\":\"/var/mimgraph\",\"logFile\":\"/var/log/mimgraph.log\",\"logLevel\":\"debug\"}", "test.json");
            Assert.Equal("edge", s.Channel);
            Assert.Equal("/opt/node/bin/node", s.NodePath);
            Assert.Equal("/opt/mimgraph", s.ConnectorFolder);
            Assert.Equal(90, s.HeartbeatTimeoutSeconds);
            Assert.Equal(12.5, s.StartTimeoutSeconds);
            Assert.Equal("CurrentUser", s.CertificateStoreLocation);
            Assert.Equal("/var/mimgraph", s.DataFolder);
            Assert.Equal("/var/mimgraph", s.ResolveDataFolder());
            Assert.Equal("/var/log/mimgraph.log", s.LogFile);
            Assert.Equal("debug", s.LogLevel);
            Assert.Equal(Path.Combine("/opt/mimgraph", "dist", "connector", "worker", "main.js"), s.WorkerScript);
        }

        [Theory]
        [InlineData("{\"chanel\":\"worker\"}", "unknown key \"chanel\"")]
        [InlineData("{\"channel\":\"pipe\"}", "\"channel\" is \"pipe\"; set it to \"worker\"")]
        [InlineData("{\"heartbeatTimeoutSeconds\":\"soon\"}", "\"heartbeatTimeoutSeconds\" must be a positive number of seconds")]
        [InlineData("{\"heartbeatTimeoutSeconds\":0}", "\"heartbeatTimeoutSeconds\" must be a positive number")]
        [InlineData("{\"startTimeoutSeconds\":-1}", "\"startTimeoutSeconds\" must be a positive number")]
        [InlineData("{\"nodePath\":42}", "\"nodePath\" must be a string")]
        [InlineData("{\"certificateStoreLocation\":\"Machine\"}", "\"certificateStoreLocation\" is \"Machine\"")]
        [InlineData("{\"logLevel\":\"loud\"}", "\"logLevel\" is \"loud\"; set it to error, warn, info or debug")]
        [InlineData("{\"connectorFolder\":\"C:\\Program Files\"}", "invalid escape")]
        [InlineData("[]", "expected a JSON object")]
        public void ABadFileIsNamedWithTheKeyAndTheFix(string text, string expected)
        {
            var e = Assert.Throws<ConnectorCallException>(() => BridgeSettings.Parse(text, "/x/MimGraph.Bridge.settings.json"));
            Assert.Equal("ExtensibleExtension", e.MimError);
            Assert.Contains("/x/MimGraph.Bridge.settings.json", e.Message);
            Assert.Contains(expected, e.Message);
        }

        [Fact]
        public void TheFileIsReadOnceAndAgainWhenItChanges()
        {
            var dir = ChannelTestSupport.NewTempFolder("mimgraph-settings");
            var path = Path.Combine(dir, BridgeSettings.FileName);

            var defaults = BridgeSettings.LoadCached(path);
            Assert.Equal("defaults", defaults.Source);

            File.WriteAllText(path, "{\"heartbeatTimeoutSeconds\":5}");
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(-2));
            var first = BridgeSettings.LoadCached(path);
            Assert.Equal(5, first.HeartbeatTimeoutSeconds);
            Assert.Equal(path, first.Source);
            Assert.Same(first, BridgeSettings.LoadCached(path));

            File.WriteAllText(path, "{\"heartbeatTimeoutSeconds\":7}");
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(-1));
            var second = BridgeSettings.LoadCached(path);
            Assert.NotSame(first, second);
            Assert.Equal(7, second.HeartbeatTimeoutSeconds);

            File.WriteAllText(path, "{\"heartbeatTimeoutSeconds\":}");
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
            var e = Assert.Throws<ConnectorCallException>(() => BridgeSettings.LoadCached(path));
            Assert.Contains("position 27", e.Message);
            Assert.Contains(path, e.Message);
        }

        [Fact]
        public void TheDataFolderFallsBackToMimsThenATempFolder()
        {
            var s = BridgeSettings.Parse("{}", "test.json");
            var expected = BridgeSettings.MimMaFolder() ?? Path.Combine(Path.GetTempPath(), "mimgraph");
            Assert.Equal(expected, s.ResolveDataFolder());
        }

        [Fact]
        public void NodeIsFoundOnThePath()
        {
            var node = BridgeSettings.DefaultNodePath();
            Assert.True(Path.IsPathRooted(node), node);
            Assert.True(File.Exists(node), node);
        }

        [Fact]
        public void TheSettingsFileLivesBesideTheBridge()
        {
            Assert.Equal(Path.GetDirectoryName(typeof(BridgeSettings).Assembly.Location), Path.GetDirectoryName(BridgeSettings.FilePath));
            Assert.Equal("MimGraph.Bridge.settings.json", Path.GetFileName(BridgeSettings.FilePath));
        }
    }
}
