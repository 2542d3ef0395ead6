using System;
using System.IO;
using System.Threading.Tasks;
using MimGraph.Bridge.Hosting;
using Xunit;

namespace MimGraph.Bridge.Tests.Channel
{
    [Collection(ChannelCollection.Name)]
    public sealed class TraceLogTests
    {
        [Fact]
        public void LinesHaveTheDocumentedShape()
        {
            var line = TraceLog.Format(new DateTime(2026, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc), TraceLogLevel.Warn, "two\r\nlines");
            Assert.Matches(@"^2026-01-02T03:04:05\.678Z WARN \[\d+\] two lines$", line);
        }

        [Fact]
        public void TheLevelFiltersAndTheFileIsAppendedByManyThreads()
        {
            var file = Path.Combine(ChannelTestSupport.NewTempFolder("mimgraph-log"), "a", "b", "bridge.log");
            try
            {
                TraceLog.Configure(file, "WARNING");
                Assert.Equal(TraceLogLevel.Warn, TraceLog.Level);
                Assert.Equal("warn", TraceLog.LevelName);
                TraceLog.Debug("not this");
                TraceLog.Info("nor this");
                Parallel.For(0, 200, i => TraceLog.Warn("line " + i));
                TraceLog.Error("last");
                TraceLog.Close();
                var lines = File.ReadAllLines(file);
                Assert.Equal(201, lines.Length);
                Assert.All(lines, l => Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (WARN|ERROR) \[\d+\] ", l));
                Assert.DoesNotContain(lines, l => l.Contains("not this") || l.Contains("nor this"));
                Assert.EndsWith("ERROR [" + Environment.ProcessId + "] last", lines[200]);
            }
            finally
            {
                TraceLog.Configure(null, null);
            }
        }

        [Fact]
        public void AnUnwritableFileNeverThrows()
        {
            var dir = ChannelTestSupport.NewTempFolder("mimgraph-log");
            try
            {
                TraceLog.Configure(dir, "info"); // a folder: cannot be opened as a file
                TraceLog.Info("into the void");
                TraceLog.Error("still nothing thrown");
                TraceLog.Configure("\0bad", "debug");
                TraceLog.Debug("nor here");
            }
            finally
            {
                TraceLog.Configure(null, null);
            }
            Assert.Equal(TraceLogLevel.Info, TraceLog.Level);
            Assert.Null(TraceLog.File);
        }

        [Theory]
        [InlineData("error", "error")]
        [InlineData("Warn", "warn")]
        [InlineData("warning", "warn")]
        [InlineData("information", "info")]
        [InlineData("DEBUG", "debug")]
        [InlineData("verbose", "debug")]
        public void LevelNames(string name, string level) => Assert.Equal(level, TraceLog.NameOf(TraceLog.ParseLevel(name)!.Value));

        [Fact]
        public void TheSettingsFileFillsInWhatThePagesLeaveOpen()
        {
            var dir = ChannelTestSupport.NewTempFolder("mimgraph-log");
            try
            {
                TraceLog.Configure(null, null);
                TraceLog.ApplyDefaults(Path.Combine(dir, "settings.log"), "debug");
                Assert.Equal(Path.Combine(dir, "settings.log"), TraceLog.File);
                Assert.Equal(TraceLogLevel.Debug, TraceLog.Level);

                TraceLog.Configure(Path.Combine(dir, "page.log"), "error");
                TraceLog.ApplyDefaults(Path.Combine(dir, "settings.log"), "debug");
                Assert.Equal(Path.Combine(dir, "page.log"), TraceLog.File);
                Assert.Equal(TraceLogLevel.Error, TraceLog.Level);
            }
            finally
            {
                TraceLog.Configure(null, null);
            }
        }

        [Fact]
        public void UnknownLevelsAreInfo()
        {
            try
            {
                TraceLog.Configure(null, "chatty");
                Assert.Equal(TraceLogLevel.Info, TraceLog.Level);
            }
            finally
            {
                TraceLog.Configure(null, null);
            }
        }
    }
}
