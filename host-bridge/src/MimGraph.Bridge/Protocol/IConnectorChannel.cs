using System;

namespace MimGraph.Bridge.Protocol
{
    /// <summary>
    /// One way to reach the TypeScript connector's dispatcher: the worker process (default) or Edge.js
    /// in MIM's process. Calls are synchronous because MIM's are. Messages are those of
    /// schemas/bridge-protocol.schema.json.
    /// </summary>
    internal interface IConnectorChannel : IDisposable
    {
        /// <summary>The connector version the other end announced in the handshake.</summary>
        string ConnectorVersion { get; }

        /// <summary>One call; blocks until the answer. Failures throw <see cref="ConnectorCallException"/>.</summary>
        JsonObject Call(string method, JsonObject parameters);

        /// <summary>Abandons the calls in flight (MIM closed the run early); they fail with TerminateRun.</summary>
        void CancelPending();
    }

    /// <summary>
    /// Requests the worker sends to the bridge (e.g. signing with a certificate kept in the Windows
    /// store, whose private key never leaves it).
    /// </summary>
    internal interface IWorkerRequestHandler
    {
        /// <summary>True when this handler answers <paramref name="method"/>.</summary>
        bool Handles(string method);

        /// <summary>The result object; throw <see cref="ConnectorCallException"/> to answer with an error.</summary>
        JsonObject Handle(string method, JsonObject parameters);
    }

    /// <summary>
    /// A failed call, carrying the name of the MIM exception to throw (bridge-protocol error.data.mimError:
    /// BadServerCredentials, ServerDown, UnexpectedData, WarningNoWatermark, ExtensibleExtension,
    /// EntryPointNotImplemented, TerminateRun, ObjectNotFound, AccessDenied, PasswordIllFormed,
    /// PasswordPolicyViolation, PasswordExtension).
    /// </summary>
    internal sealed class ConnectorCallException : Exception
    {
        public ConnectorCallException(string mimError, string message, JsonObject? detail = null, Exception? inner = null)
            : base(message, inner)
        {
            MimError = mimError;
            Detail = detail;
        }

        public string MimError { get; }

        /// <summary>error.data.detail: Graph status/code/requestId and the like (never secrets).</summary>
        public JsonObject? Detail { get; }

        /// <summary>Graph's request-id when the failure came from Graph.</summary>
        public string? RequestId => Detail != null && Detail.TryGetValue("requestId", out var v) ? v as string : null;
    }
}
