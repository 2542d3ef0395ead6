using System;
using System.Text;
using System.Threading;
using MimGraph.Bridge.Protocol;

namespace MimGraph.Bridge.Hosting
{
    /// <summary>
    /// Run-stopping errors to the Windows Event Log (source "mimgraph", Application log), with Graph's
    /// request-id so an administrator can quote it to Microsoft. A no-op off Windows and on .NET (Core)
    /// builds, whose framework has no EventLog. Never throws into MIM; every report also goes to the trace log.
    /// </summary>
    internal static class EventLogReporter
    {
        public const string Source = "mimgraph";
        public const string LogName = "Application";
        public const int EventId = 1000;

#if NETFRAMEWORK
        private static int _warned;
#endif

        /// <summary>The text written for a failure: the message, the MIM error and Graph's request-id when known.</summary>
        public static string Describe(string context, ConnectorCallException e)
        {
            var sb = new StringBuilder();
            sb.Append("mimgraph: ").Append(context).Append(" failed: ").Append(e.Message);
            sb.Append(" (MIM error ").Append(e.MimError);
            var requestId = e.RequestId;
            if (!string.IsNullOrEmpty(requestId)) sb.Append(", Graph request-id ").Append(requestId);
            var detail = e.Detail;
            if (detail != null)
            {
                if (detail.TryGetValue("status", out var status) && status != null) sb.Append(", HTTP status ").Append(Convert.ToString(status, System.Globalization.CultureInfo.InvariantCulture));
                if (detail.TryGetValue("code", out var code) && code is string c) sb.Append(", Graph code ").Append(c);
            }
            sb.Append(')');
            return sb.ToString();
        }

        /// <summary>Reports a run-stopping failure of a connector call.</summary>
        public static void ReportRunStopping(string context, ConnectorCallException e) => Report(Describe(context, e));

        /// <summary>Reports a run-stopping failure with a text of the caller's making.</summary>
        public static void Report(string message)
        {
            TraceLog.Error(message);
#if NETFRAMEWORK
            if (Environment.OSVersion.Platform != PlatformID.Win32NT) return;
            var text = message.Length > 31000 ? message.Substring(0, 31000) : message;
            try
            {
                // Writing creates the source when it is missing, which needs administrative rights once
                // (New-EventLog -LogName Application -Source mimgraph, or the first run as an administrator).
                System.Diagnostics.EventLog.WriteEntry(Source, text, System.Diagnostics.EventLogEntryType.Error, EventId);
            }
            catch (Exception ex)
            {
                if (Interlocked.Exchange(ref _warned, 1) == 0)
                    TraceLog.Warn("could not write to the Windows Event Log (" + ex.Message + "); register its source once as an administrator: "
                        + "New-EventLog -LogName " + LogName + " -Source " + Source);
            }
#endif
        }
    }
}
