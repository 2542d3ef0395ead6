using System;
using System.Collections.ObjectModel;
using Microsoft.MetadirectoryServices;
using MimGraph.Bridge.Conversion;
using MimGraph.Bridge.Hosting;
using MimGraph.Bridge.Protocol;

namespace MimGraph.Bridge.Ecma
{
    /// <summary>
    /// MIM's call-based import: openImport keeps a session on one channel for the run step; each
    /// GetImportEntries is one getImportPage; CloseImportConnection closes the session (cancelling a call
    /// in flight first when MIM stops the run) and always disposes the channel.
    /// </summary>
    public class MimGraphImport : IMAExtensible2CallImport
    {
        private readonly object _gate = new object();
        private IConnectorChannel? _channel;
        private string? _session;

        public MimGraphImport() { }

        public int ImportDefaultPageSize => PageSizes.ImportDefault;

        public int ImportMaxPageSize => PageSizes.ImportMax;

        public OpenImportConnectionResults OpenImportConnection(KeyedCollection<string, ConfigParameter> configParameters, Schema types, OpenImportConnectionRunStep importRunStep)
        {
            if (importRunStep == null) throw new ArgumentNullException(nameof(importRunStep));
            ChannelFactory.ConfigureLog(configParameters);
            CloseLeftover();
            IConnectorChannel? channel = null;
            try
            {
                var runStep = new JsonObject(3)
                {
                    { "importType", EnumNames<OperationType>.Name(importRunStep.ImportType) },
                    { "pageSize", PageSizes.Clamp(importRunStep.PageSize) },
                    { "customData", importRunStep.CustomData },
                };
                var parameters = new JsonObject(3)
                {
                    { "config", ConfigValues.ToJson(configParameters) },
                    { "schema", SchemaConversion.ToJson(types) },
                    { "runStep", runStep },
                };
                channel = ChannelFactory.Open("import");
                var answer = channel.Call("openImport", parameters);
                string session;
                string? customData;
                try
                {
                    session = Wire.RequireName(answer, "session");
                    customData = Wire.OptString(answer, "customData");
                }
                catch (WireFieldException e)
                {
                    throw Wire.Bad("openImport answer", e);
                }
                lock (_gate)
                {
                    _channel = channel;
                    _session = session;
                }
                TraceLog.Info("mimgraph: import opened (" + EnumNames<OperationType>.Name(importRunStep.ImportType) + ", page size " + importRunStep.PageSize + ")");
                return new OpenImportConnectionResults(customData ?? importRunStep.CustomData);
            }
            catch (Exception e)
            {
                ChannelFactory.DisposeQuietly(channel);
                throw MimErrors.Translate(e, "openImport");
            }
        }

        public GetImportEntriesResults GetImportEntries(GetImportEntriesRunStep importRunStep)
        {
            IConnectorChannel? channel;
            string? session;
            lock (_gate)
            {
                channel = _channel;
                session = _session;
            }
            if (channel == null || session == null)
                throw MimErrors.Translate(new ConnectorCallException("ExtensibleExtension", "GetImportEntries was called without an open import (OpenImportConnection failed or the connection was closed)"), "getImportPage");
            try
            {
                var stepCustomData = importRunStep?.CustomData;
                var parameters = new JsonObject(2)
                {
                    { "session", session },
                    { "runStep", new JsonObject(1) { { "customData", stepCustomData } } },
                };
                var answer = channel.Call("getImportPage", parameters);
                bool more;
                string? customData;
                System.Collections.Generic.List<object?> entries;
                try
                {
                    entries = Wire.RequireArray(answer, "entries");
                    more = Wire.RequireBool(answer, "moreToImport");
                    customData = answer.ContainsKey("customData") ? Wire.OptString(answer, "customData") : stepCustomData;
                }
                catch (WireFieldException e)
                {
                    throw Wire.Bad("getImportPage answer", e);
                }
                var csentries = ImportConversion.EntriesFromJson(entries);
                return new GetImportEntriesResults(customData, more, csentries);
            }
            catch (Exception e)
            {
                throw MimErrors.Translate(e, "getImportPage");
            }
        }

        public CloseImportConnectionResults CloseImportConnection(CloseImportConnectionRunStep importRunStep)
        {
            var reason = importRunStep?.Reason ?? CloseReason.Normal;
            var stepCustomData = importRunStep?.CustomData;
            IConnectorChannel? channel;
            string? session;
            lock (_gate)
            {
                channel = _channel;
                session = _session;
                _channel = null;
                _session = null;
            }
            if (channel == null || session == null) return new CloseImportConnectionResults(stepCustomData);
            try
            {
                // MIM stops the run: a getImportPage still waiting is abandoned before the close is sent.
                if (reason != CloseReason.Normal) channel.CancelPending();
                var parameters = new JsonObject(2)
                {
                    { "session", session },
                    { "runStep", new JsonObject(2) { { "reason", EnumNames<CloseReason>.Name(reason) }, { "customData", stepCustomData } } },
                };
                var answer = channel.Call("closeImport", parameters);
                string? customData;
                try
                {
                    customData = Wire.OptString(answer, "customData");
                }
                catch (WireFieldException e)
                {
                    throw Wire.Bad("closeImport answer", e);
                }
                TraceLog.Info("mimgraph: import closed (" + EnumNames<CloseReason>.Name(reason) + ")");
                return new CloseImportConnectionResults(customData);
            }
            catch (Exception e)
            {
                if (reason == CloseReason.Normal) throw MimErrors.Translate(e, "closeImport");
                // The run is ending anyway; MIM keeps the watermark it had. The failure only goes to the log.
                TraceLog.Warn("mimgraph: closing the import after " + EnumNames<CloseReason>.Name(reason) + " failed: " + e.Message);
                return new CloseImportConnectionResults(stepCustomData);
            }
            finally
            {
                ChannelFactory.DisposeQuietly(channel);
            }
        }

        /// <summary>An instance reused for a second run step without a close: the old channel goes first.</summary>
        private void CloseLeftover()
        {
            IConnectorChannel? old;
            lock (_gate)
            {
                old = _channel;
                _channel = null;
                _session = null;
            }
            if (old != null)
            {
                TraceLog.Warn("mimgraph: OpenImportConnection on an instance whose previous import was never closed; its channel is disposed");
                ChannelFactory.DisposeQuietly(old);
            }
        }
    }
}
