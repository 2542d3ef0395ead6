using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using Microsoft.MetadirectoryServices;
using MimGraph.Bridge.Conversion;
using MimGraph.Bridge.Hosting;
using MimGraph.Bridge.Protocol;

namespace MimGraph.Bridge.Ecma
{
    /// <summary>
    /// MIM's call-based export: openExport keeps a session on one channel for the run step; each
    /// PutExportEntries batch is one putExportEntries; CloseExportConnection closes it (cancelling a call
    /// in flight first when MIM stops the run) and always disposes the channel.
    /// </summary>
    public class MimGraphExport : IMAExtensible2CallExport
    {
        private readonly object _gate = new object();
        private IConnectorChannel? _channel;
        private string? _session;
        private SchemaIndex _schema = SchemaIndex.Empty;

        public MimGraphExport() { }

        public int ExportDefaultPageSize => PageSizes.ExportDefault;

        public int ExportMaxPageSize => PageSizes.ExportMax;

        public void OpenExportConnection(KeyedCollection<string, ConfigParameter> configParameters, Schema types, OpenExportConnectionRunStep exportRunStep)
        {
            if (exportRunStep == null) throw new ArgumentNullException(nameof(exportRunStep));
            ChannelFactory.ConfigureLog(configParameters);
            CloseLeftover();
            IConnectorChannel? channel = null;
            try
            {
                var parameters = new JsonObject(3)
                {
                    { "config", ConfigValues.ToJson(configParameters) },
                    { "schema", SchemaConversion.ToJson(types) },
                    {
                        "runStep", new JsonObject(2)
                        {
                            { "exportType", EnumNames<OperationType>.Name(exportRunStep.ExportType) },
                            { "batchSize", PageSizes.Clamp(exportRunStep.BatchSize) },
                        }
                    },
                };
                var schema = new SchemaIndex(types);
                channel = ChannelFactory.Open("export");
                var answer = channel.Call("openExport", parameters);
                string session;
                try
                {
                    session = Wire.RequireName(answer, "session");
                }
                catch (WireFieldException e)
                {
                    throw Wire.Bad("openExport answer", e);
                }
                lock (_gate)
                {
                    _channel = channel;
                    _session = session;
                    _schema = schema;
                }
                TraceLog.Info("mimgraph: export opened (" + EnumNames<OperationType>.Name(exportRunStep.ExportType) + ", batch size " + exportRunStep.BatchSize + ")");
            }
            catch (Exception e)
            {
                ChannelFactory.DisposeQuietly(channel);
                throw MimErrors.Translate(e, "openExport");
            }
        }

        public PutExportEntriesResults PutExportEntries(IList<CSEntryChange> csentries)
        {
            IConnectorChannel? channel;
            string? session;
            SchemaIndex schema;
            lock (_gate)
            {
                channel = _channel;
                session = _session;
                schema = _schema;
            }
            if (channel == null || session == null)
                throw MimErrors.Translate(new ConnectorCallException("ExtensibleExtension", "PutExportEntries was called without an open export (OpenExportConnection failed or the connection was closed)"), "putExportEntries");
            if (csentries == null || csentries.Count == 0) return new PutExportEntriesResults();
            try
            {
                var parameters = new JsonObject(2)
                {
                    { "session", session },
                    { "entries", ExportConversion.EntriesToJson(csentries, schema) },
                };
                var answer = channel.Call("putExportEntries", parameters);
                return ExportConversion.ResultsFromJson(answer, csentries);
            }
            catch (Exception e)
            {
                throw MimErrors.Translate(e, "putExportEntries");
            }
        }

        public void CloseExportConnection(CloseExportConnectionRunStep exportRunStep)
        {
            var reason = exportRunStep?.Reason ?? CloseReason.Normal;
            IConnectorChannel? channel;
            string? session;
            lock (_gate)
            {
                channel = _channel;
                session = _session;
                _channel = null;
                _session = null;
                _schema = SchemaIndex.Empty;
            }
            if (channel == null || session == null) return;
            try
            {
                if (reason != CloseReason.Normal) channel.CancelPending();
                var parameters = new JsonObject(2)
                {
                    { "session", session },
                    { "runStep", new JsonObject(1) { { "reason", EnumNames<CloseReason>.Name(reason) } } },
                };
                channel.Call("closeExport", parameters);
                TraceLog.Info("mimgraph: export closed (" + EnumNames<CloseReason>.Name(reason) + ")");
            }
            catch (Exception e)
            {
                if (reason == CloseReason.Normal) throw MimErrors.Translate(e, "closeExport");
                TraceLog.Warn("mimgraph: closing the export after " + EnumNames<CloseReason>.Name(reason) + " failed: " + e.Message);
            }
            finally
            {
                ChannelFactory.DisposeQuietly(channel);
            }
        }

        private void CloseLeftover()
        {
            IConnectorChannel? old;
            lock (_gate)
            {
                old = _channel;
                _channel = null;
                _session = null;
                _schema = SchemaIndex.Empty;
            }
            if (old != null)
            {
                TraceLog.Warn("mimgraph: OpenExportConnection on an instance whose previous export was never closed; its channel is disposed");
                ChannelFactory.DisposeQuietly(old);
            }
        }
    }
}
