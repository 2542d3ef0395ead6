using System;
using System.Collections.ObjectModel;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using Microsoft.MetadirectoryServices;
using MimGraph.Bridge.Conversion;
using MimGraph.Bridge.Hosting;
using MimGraph.Bridge.Protocol;

namespace MimGraph.Bridge.Ecma
{
    /// <summary>
    /// Where the ECMA2 classes get their channel: <see cref="Channels.Open(BridgeSettings, string, System.Collections.Generic.IEnumerable{IWorkerRequestHandler})"/>
    /// with the current settings, or a test's factory.
    /// </summary>
    internal static class ChannelFactory
    {
        private static readonly AsyncLocal<Func<string, IConnectorChannel>?> LocalOverride = new AsyncLocal<Func<string, IConnectorChannel>?>();

        /// <summary>
        /// Tests: a factory (purpose → channel) used instead of the real channels. Flows with the caller's
        /// execution context (AsyncLocal), so tests running in parallel do not see each other's fakes.
        /// </summary>
        internal static Func<string, IConnectorChannel>? ChannelFactoryOverride
        {
            get => LocalOverride.Value;
            set => LocalOverride.Value = value;
        }

        /// <summary>A channel for <paramref name="purpose"/> ("capabilities", "import", ...).</summary>
        public static IConnectorChannel Open(string purpose)
        {
            var factory = LocalOverride.Value;
            if (factory != null) return factory(purpose);
            var settings = BridgeSettings.Current;
            return Channels.Open(settings, purpose, Handlers(settings));
        }

        /// <summary>What answers the worker's own requests: certificates and signatures from the Windows store.</summary>
        internal static IWorkerRequestHandler[] Handlers(BridgeSettings settings)
        {
            var location = string.Equals(settings.CertificateStoreLocation, "CurrentUser", StringComparison.OrdinalIgnoreCase)
                ? StoreLocation.CurrentUser
                : StoreLocation.LocalMachine;
            return new IWorkerRequestHandler[] { new CertificateStoreSigner(location) };
        }

        /// <summary>Points the trace log at the "Log file"/"Log level" parameters when the MA has them.</summary>
        public static void ConfigureLog(KeyedCollection<string, ConfigParameter>? configParameters)
        {
            try
            {
                var file = ConfigValues.PlainValue(configParameters, LogFileParameter);
                var level = ConfigValues.PlainValue(configParameters, LogLevelParameter);
                if (file == null && level == null) return;
                // No level on the pages: none given, so the settings file's level may apply (TraceLog.ApplyDefaults).
                TraceLog.Configure(file ?? TraceLog.File, level);
            }
            catch
            {
                // Logging never fails a MIM call.
            }
        }

        public const string LogFileParameter = "Log file";
        public const string LogLevelParameter = "Log level";

        /// <summary>Disposes a channel without letting a failure to do so hide the call's own outcome.</summary>
        public static void DisposeQuietly(IConnectorChannel? channel)
        {
            if (channel == null) return;
            try
            {
                channel.Dispose();
            }
            catch (Exception e)
            {
                TraceLog.Warn("mimgraph: closing the connector channel failed: " + e.Message);
            }
        }
    }
}
