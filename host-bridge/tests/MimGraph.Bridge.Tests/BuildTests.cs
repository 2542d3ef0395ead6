using Xunit;

namespace MimGraph.Bridge.Tests
{
    public class BuildTests
    {
        [Fact]
        public void TheBridgeAssemblyLoads() =>
            Assert.Equal("MimGraph.Bridge", typeof(MimGraph.Bridge.Protocol.ConnectorCallException).Assembly.GetName().Name);
    }
}
