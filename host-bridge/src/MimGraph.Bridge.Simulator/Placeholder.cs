namespace MimGraph.Bridge.Simulator
{
    internal static class Placeholder { }
}
