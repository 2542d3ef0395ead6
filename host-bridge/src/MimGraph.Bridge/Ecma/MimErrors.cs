using System;
using Microsoft.MetadirectoryServices;
using MimGraph.Bridge.Hosting;
using MimGraph.Bridge.Protocol;

namespace MimGraph.Bridge.Ecma
{
    /// <summary>
    /// Failed connector calls → MIM's ExtensionException family (ecma2-api.md §12.1), so the run step ends
    /// with the status MIM gives that exception (stopped-server-down, stopped-bad-server-credentials, ...).
    /// </summary>
    internal static class MimErrors
    {
        /// <summary>The MIM exception for a failed call; the message carries Graph's request-id when known.</summary>
        public static ExtensionException ToMim(ConnectorCallException e, bool passwordCall = false)
        {
            var message = MessageOf(e);
            switch (e.MimError)
            {
                case "BadServerCredentials": return new BadServerCredentialsException(message, e);
                case "ServerDown": return new ServerDownException(message, e);
                case "UnexpectedData": return new UnexpectedDataException(message, e);
                case "WarningNoWatermark": return new WarningNoWatermarkException(message, e);
                case "EntryPointNotImplemented": return new EntryPointNotImplementedException(message, e);
                case "TerminateRun": return new TerminateRunException(message, e);
                case "ObjectNotFound": return new ObjectNotFoundException(message, e);
                case "AccessDenied": return new AccessDeniedException(message, e);
                case "PasswordIllFormed": return new PasswordIllFormedException(message, e);
                case "PasswordPolicyViolation": return new PasswordPolicyViolationException(message, e);
                case "PasswordExtension": return new PasswordExtensionException(message, e);
                default:
                    // ExtensibleExtension and anything unknown. A password call's "anything else" is
                    // PasswordExtensionException (MIM's documented contract for password management).
                    return passwordCall ? new PasswordExtensionException(message, e) : (ExtensionException)new ExtensibleExtensionException(message, e);
            }
        }

        /// <summary>The message: the connector's text, plus "(Graph request-id …)" unless the text has it already.</summary>
        public static string MessageOf(ConnectorCallException e)
        {
            var message = e.Message;
            var requestId = e.RequestId;
            if (!string.IsNullOrEmpty(requestId) && message.IndexOf(requestId, StringComparison.OrdinalIgnoreCase) < 0)
                message += " (Graph request-id " + requestId + ")";
            return message;
        }

        /// <summary>
        /// What an ECMA2 method throws for any failure: MIM's own exceptions pass through; a failed call is
        /// mapped by <see cref="ToMim"/>; anything else (a bug of the bridge) becomes ExtensibleExtensionException
        /// naming the operation. Run-stopping failures are written to the trace log and the event log.
        /// </summary>
        public static Exception Translate(Exception e, string operation, bool passwordCall = false)
        {
            switch (e)
            {
                case ExtensionException _:
                    TraceLog.Error("mimgraph: " + operation + " failed: " + e.Message);
                    return e;
                case ConnectorCallException call:
                    {
                        var mim = ToMim(call, passwordCall);
                        if (IsRunStopping(call.MimError)) EventLogReporter.ReportRunStopping(operation, call);
                        else TraceLog.Warn("mimgraph: " + operation + " failed: " + mim.Message + " (MIM error " + call.MimError + ")");
                        return mim;
                    }
                case ProtocolException _:
                    {
                        var call = new ConnectorCallException("UnexpectedData", "the connector's answer is malformed: " + e.Message, null, e);
                        EventLogReporter.ReportRunStopping(operation, call);
                        return ToMim(call, passwordCall);
                    }
                default:
                    {
                        var call = new ConnectorCallException("ExtensibleExtension", "the bridge failed (" + e.GetType().Name + "): " + e.Message, null, e);
                        EventLogReporter.ReportRunStopping(operation, call);
                        return passwordCall ? new PasswordExtensionException(call.Message, e) : (Exception)new ExtensibleExtensionException(call.Message, e);
                    }
            }
        }

        /// <summary>
        /// Whether MIM ends the run for this error. Object-level password results (not found, access denied,
        /// a refused password) are answers about one object, not failures of the connector.
        /// </summary>
        public static bool IsRunStopping(string mimError)
        {
            switch (mimError)
            {
                case "ObjectNotFound":
                case "AccessDenied":
                case "PasswordIllFormed":
                case "PasswordPolicyViolation":
                    return false;
                default:
                    return true;
            }
        }
    }
}
