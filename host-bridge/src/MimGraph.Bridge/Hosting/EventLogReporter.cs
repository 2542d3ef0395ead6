using System;
using System.Text;
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
            try
            {
                if (Environment.OSVersion.Platform != PlatformID.Win32NT) return;
                // Creating a source needs administrative rights; MIM's service account may not have them:
                // then the Application log's generic source takes the entry.
                string source = Source;
                try
                {
                    if (!System.Diagnostics.EventLog.SourceExists(Source)) System.Diagnostics.EventLog.CreateEventSource(Source, LogName);
                }
                catch
                {
                    source = "Application";
                }
                var text = message.Length > 31000 ? message.Substring(0, 31000) : message;
                System.Diagnostics.EventLog.WriteEntry(source, text, System.Diagnostics.EventLogEntryType.Error, EventId);
            }
            catch (Exception ex)
            {
                TraceLog.Warn("could not write to the Windows Event Log: " + ex.Message);
            }
#endif
        }
    }
}
