using System;
using System.Collections.Generic;
using MimGraph.Bridge.Protocol;

namespace MimGraph.Bridge.Hosting
{
    /// <summary>Opens the channel the settings name: the worker process (default) or Edge.js.</summary>
    internal static class Channels
    {
        /// <summary>
        /// A channel for <paramref name="purpose"/> (a word for the trace log: "capabilities", "import", ...).
        /// <paramref name="handlers"/> answer the requests the worker sends (the worker channel only).
        /// ConnectorCallException (ExtensibleExtension) naming the cause when it cannot be opened.
        /// </summary>
        internal static IConnectorChannel Open(BridgeSettings s, string purpose, IEnumerable<IWorkerRequestHandler> handlers)
        {
            if (s == null) throw new ArgumentNullException(nameof(s));
            // The settings file's log file and level, where the MA's Global page named none.
            if (s.LogFile != null || s.LogLevel != null) TraceLog.ApplyDefaults(s.LogFile, s.LogLevel);
            switch (s.Channel)
            {
                case BridgeSettings.EdgeChannelName:
                    return EdgeChannel.Open(s);
                case BridgeSettings.WorkerChannelName:
                case "":
                    return WorkerChannel.Start(s, purpose, handlers);
                default:
                    throw new ConnectorCallException("ExtensibleExtension", "unknown mimgraph channel \"" + s.Channel + "\" in " + s.Source
                        + "; set \"channel\" to \"worker\" or \"edge\"");
            }
        }

        /// <summary>The same, with the settings of <see cref="BridgeSettings.Current"/>.</summary>
        internal static IConnectorChannel Open(string purpose, IEnumerable<IWorkerRequestHandler> handlers)
            => Open(BridgeSettings.Current, purpose, handlers);
    }
}
