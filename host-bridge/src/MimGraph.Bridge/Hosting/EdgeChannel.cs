using MimGraph.Bridge.Protocol;

namespace MimGraph.Bridge.Hosting
{
    /// <summary>
    /// Channel (b): Edge.js in MIM's process. Placeholder until the edge channel lands (its engineer replaces
    /// this body and keeps the signature).
    /// </summary>
    internal static class EdgeChannel
    {
        internal static IConnectorChannel Open(BridgeSettings settings)
            => throw new ConnectorCallException("ExtensibleExtension", "the edge channel is not available in this build; set \"channel\" to \"worker\" in "
                + (settings?.Source ?? BridgeSettings.FileName));
    }
}
