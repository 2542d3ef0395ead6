using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Reflection;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using MimGraph.Bridge.Protocol;

namespace MimGraph.Bridge.Hosting
{
    /// <summary>
    /// Channel (b), opt-in (<c>"channel": "edge"</c> in MimGraph.Bridge.settings.json): the TypeScript connector
    /// in MIM's own process through Edge.js, instead of a node worker process.
    /// <para>
    /// The connector's side is one Edge.js function, <c>Func&lt;object, Task&lt;object&gt;&gt;</c>, taking a JSON string
    /// <c>{"id":..,"method":..,"params":{..},"dataFolder":..}</c> and answering a JSON string <c>{"result":{..}}</c> or
    /// <c>{"error":{"code":..,"message":..,"data":{"mimError":..,"detail":{..}}}}</c> (dist/connector/worker/edge.js; the
    /// methods are the worker's, schemas/bridge-protocol.schema.json). <c>hello</c> first, with the same version check
    /// as the worker channel. No heartbeats and no watchdog: nothing runs out of process, so nothing can die alone.
    /// </para>
    /// <para>
    /// Where the function comes from: <see cref="InProcessDispatcher"/> when set (the Linux suite's entry point, which
    /// runs inside Node and receives the connector's function from it: the same delegate shape), else, on Windows,
    /// EdgeJs loaded by reflection from the connector folder, so nothing of it is referenced at build time:
    /// <code>
    /// &lt;connectorFolder&gt;\edge\EdgeJs.dll                     lib\&lt;tfm&gt;\EdgeJs.dll of the EdgeJs NuGet package
    /// &lt;connectorFolder&gt;\edge\edge\double_edge.js, edge.js    the package's edge\ folder, copied as is
    /// &lt;connectorFolder&gt;\edge\edge\x64\libnode.dll, edge_nativeclr.node (and x86\ for a 32-bit host)
    /// &lt;connectorFolder&gt;\dist\connector\worker\edge.js       the connector's Edge entry (with its node_modules)
    /// </code>
    /// EdgeJs.dll finds its edge\ folder beside itself (or at EDGE_BASE_DIR). The Node that runs is the one inside
    /// the EdgeJs package (libnode.dll), not the machine's node.exe: it must be Node 20 or later.
    /// </para>
    /// <para>
    /// The costs, honestly: Node can start only once per process, so every MA using this channel shares one Node
    /// runtime and therefore one connector (the first connector folder wins; later ones are ignored with a warning)
    /// and one version inside miiserver; upgrading the connector means restarting the MIM Synchronization service.
    /// EdgeJs's native DLLs (libnode.dll, edge_nativeclr.node) load into MIM's process: a crash or a leak in Node
    /// or in the connector is miiserver's, and no job object can stop it. Certificate sign-in from the Windows
    /// store (the worker's requests to the bridge) is not available. The worker channel has none of these costs.
    /// </para>
    /// </summary>
    internal sealed class EdgeChannel : IConnectorChannel
    {
        public const int ProtocolVersion = WorkerChannel.ProtocolVersion;

        /// <summary>The connector's Edge entry under the connector folder.</summary>
        internal static readonly string[] EntryPath = { "dist", "connector", "worker", "edge.js" };

        private static readonly object NodeGate = new object();
        private static Func<object, Task<object>>? _node;
        private static string? _nodeConnectorFolder;
        private static ConnectorCallException? _nodeFailure;

        private readonly Func<object, Task<object>> _dispatch;
        private readonly string _dataFolder;
        private readonly string _origin;
        private readonly object _gate = new object();
        private readonly Dictionary<long, Pending> _pending = new Dictionary<long, Pending>();
        private long _nextId;
        private int _disposed;

        private EdgeChannel(Func<object, Task<object>> dispatch, string dataFolder, string origin)
        {
            _dispatch = dispatch;
            _dataFolder = dataFolder;
            _origin = origin;
        }

        /// <summary>
        /// The connector's dispatcher handed over in-process (the Linux suite's entry point, running inside Node).
        /// When set, it is used instead of EdgeJs.
        /// </summary>
        internal static Func<object, Task<object>>? InProcessDispatcher { get; set; }

        /// <summary>
        /// The managed id of the thread the dispatcher's answers need (Node's main thread, when the caller knows it):
        /// a call blocking it would never get its answer, so such a call fails at once instead of hanging.
        /// </summary>
        internal static int? DispatcherThreadId { get; set; }

        /// <summary>The connector version announced in <c>hello</c>.</summary>
        public string ConnectorVersion { get; private set; } = "";

        /// <summary>The methods announced in <c>hello</c>.</summary>
        public IList<string> Methods { get; private set; } = new List<string>();

        /// <summary>
        /// Gets the dispatcher (starting Node on first use) and shakes hands. ConnectorCallException (ExtensibleExtension)
        /// when EdgeJs or the connector cannot be loaded, the connector does not answer within startTimeoutSeconds, or it
        /// is of another version than this bridge.
        /// </summary>
        internal static IConnectorChannel Open(BridgeSettings settings)
        {
            if (settings == null) throw new ArgumentNullException(nameof(settings));
            var inProcess = InProcessDispatcher;
            var dispatch = inProcess ?? NodeDispatcher(settings);
            var origin = inProcess != null ? "the in-process mimgraph connector" : "the mimgraph connector in Edge.js (" + (_nodeConnectorFolder ?? settings.ConnectorFolder) + ")";
            var channel = new EdgeChannel(dispatch, settings.ResolveDataFolder(), origin);
            try
            {
                channel.Hello(settings);
                return channel;
            }
            catch
            {
                channel.Dispose();
                throw;
            }
        }

        private void Hello(BridgeSettings settings)
        {
            var p = new JsonObject
            {
                ["protocolVersion"] = (long)ProtocolVersion,
                ["bridgeVersion"] = WorkerChannel.BridgeVersion,
                ["dataFolder"] = _dataFolder,
            };
            JsonObject result;
            try
            {
                result = CallCore("hello", p, (int)Math.Min(int.MaxValue, settings.StartTimeoutSeconds * 1000));
            }
            catch (ConnectorCallException e)
            {
                throw new ConnectorCallException("ExtensibleExtension", _origin + " did not start: " + e.Message, e.Detail, e);
            }
            string connectorVersion = "";
            long protocol = 0;
            try
            {
                connectorVersion = result.Str("connectorVersion") ?? "";
                protocol = result.Long("protocolVersion", 0);
            }
            catch (ProtocolException)
            {
                // reported below
            }
            if (protocol != ProtocolVersion)
                throw new ConnectorCallException("ExtensibleExtension", _origin + " speaks bridge protocol " + protocol.ToString(CultureInfo.InvariantCulture)
                    + " but this bridge (MimGraph.Bridge.dll " + WorkerChannel.BridgeVersion + ") speaks " + ProtocolVersion.ToString(CultureInfo.InvariantCulture)
                    + ": reinstall the bridge and the connector from one bundle");
            if (!string.Equals(connectorVersion, WorkerChannel.BridgeVersion, StringComparison.Ordinal))
                throw new ConnectorCallException("ExtensibleExtension", _origin + " is version " + (connectorVersion.Length == 0 ? "(unknown)" : connectorVersion)
                    + " but the bridge MimGraph.Bridge.dll is version " + WorkerChannel.BridgeVersion + ": they must be of one version; reinstall both from one"
                    + " mimgraph bundle (with the edge channel, Node keeps the connector it loaded first until the MIM Synchronization service restarts)");
            ConnectorVersion = connectorVersion;
            var methods = new List<string>();
            try
            {
                foreach (var m in result.Arr("methods") ?? new List<object?>())
                {
                    if (m is string s) methods.Add(s);
                }
            }
            catch (ProtocolException)
            {
                // optional
            }
            Methods = methods;
            TraceLog.Info(_origin + " ready (connector " + connectorVersion + ", bridge protocol " + ProtocolVersion.ToString(CultureInfo.InvariantCulture) + ")");
        }

        /// <summary>One call; blocks the calling thread until the answer. Failures throw ConnectorCallException.</summary>
        public JsonObject Call(string method, JsonObject parameters)
        {
            if (method == null) throw new ArgumentNullException(nameof(method));
            return CallCore(method, parameters ?? new JsonObject(), Timeout.Infinite);
        }

        private JsonObject CallCore(string method, JsonObject parameters, int timeoutMs)
        {
            if (Volatile.Read(ref _disposed) != 0) throw new ConnectorCallException("ExtensibleExtension", "the mimgraph edge channel is closed (" + method + ")");
            var nodeThread = DispatcherThreadId;
            if (nodeThread.HasValue && nodeThread.Value == Environment.CurrentManagedThreadId)
                throw new ConnectorCallException("ExtensibleExtension", method + " was called on Node's thread: it would wait forever for an answer only that"
                    + " thread can deliver; call the bridge from another thread (Task.Run)");

            long id = Interlocked.Increment(ref _nextId);
            var call = new Pending(method);
            lock (_gate) _pending.Add(id, call);
            string payload;
            try
            {
                payload = Envelope(id, method, parameters);
            }
            catch (ProtocolException e)
            {
                Remove(id);
                throw new ConnectorCallException("ExtensibleExtension", "could not send " + method + " to " + _origin + ": " + e.Message, null, e);
            }

            if (TraceLog.IsEnabled(TraceLogLevel.Debug)) TraceLog.Debug("→ edge " + method + " #" + id.ToString(CultureInfo.InvariantCulture) + " (" + payload.Length.ToString(CultureInfo.InvariantCulture) + " chars)");
            Task<object> task;
            try
            {
                task = _dispatch(payload) ?? throw new InvalidOperationException("the dispatcher returned no task");
            }
            catch (Exception e)
            {
                Remove(id);
                throw new ConnectorCallException("ExtensibleExtension", _origin + " could not be called for " + method + ": " + Describe(e), null, e);
            }
            task.ContinueWith(t => Complete(id, t), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

            if (!call.Done.Wait(timeoutMs))
            {
                Remove(id);
                throw new ConnectorCallException("ExtensibleExtension", _origin + " did not answer " + method + " within "
                    + (timeoutMs / 1000.0).ToString("0.#", CultureInfo.InvariantCulture) + " s (startTimeoutSeconds in " + BridgeSettings.FileName + ")");
            }
            if (call.Error != null) throw call.Error;
            return call.Result ?? new JsonObject();
        }

        private string Envelope(long id, string method, JsonObject parameters)
        {
            var sb = new StringBuilder(256);
            sb.Append("{\"id\":\"e").Append(id.ToString(CultureInfo.InvariantCulture)).Append("\",\"method\":");
            Json.WriteString(sb, method);
            sb.Append(",\"params\":");
            Json.Write(sb, parameters);
            sb.Append(",\"dataFolder\":");
            Json.WriteString(sb, _dataFolder);
            sb.Append('}');
            return sb.ToString();
        }

        private void Complete(long id, Task<object> task)
        {
            Pending? call;
            lock (_gate)
            {
                if (_pending.TryGetValue(id, out call)) _pending.Remove(id);
            }
            if (task.IsFaulted)
            {
                var e = task.Exception?.GetBaseException();
                call?.Fail(new ConnectorCallException("ExtensibleExtension", _origin + " failed " + (call?.Method ?? "a call") + ": " + Describe(e), null, e));
                return;
            }
            if (call == null) return; // cancelled or timed out: nobody waits any more
            if (task.IsCanceled)
            {
                call.Fail(new ConnectorCallException("TerminateRun", call.Method + " was cancelled"));
                return;
            }
            try
            {
                var answer = task.Result as string;
                if (answer == null)
                {
                    call.Fail(new ConnectorCallException("UnexpectedData", _origin + " answered " + call.Method + " with " + (task.Result == null ? "nothing" : task.Result.GetType().Name) + " instead of a JSON string"));
                    return;
                }
                var msg = Json.ParseObject(answer);
                var error = msg.Obj("error");
                if (error != null)
                {
                    call.Fail(ToException(call.Method, error));
                    return;
                }
                msg.TryGetValue("result", out var result);
                if (result is JsonObject o) call.Succeed(o);
                else if (result == null) call.Succeed(new JsonObject());
                else call.Fail(new ConnectorCallException("UnexpectedData", _origin + " answered " + call.Method + " with " + Json.KindOf(result) + " instead of an object"));
            }
            catch (ProtocolException e)
            {
                call.Fail(new ConnectorCallException("UnexpectedData", _origin + " answered " + call.Method + " with a malformed message: " + e.Message, null, e));
            }
            catch (Exception e)
            {
                call.Fail(new ConnectorCallException("ExtensibleExtension", _origin + " failed " + call.Method + ": " + e.Message, null, e));
            }
        }

        private static ConnectorCallException ToException(string method, JsonObject error)
        {
            string message;
            long code = 0;
            JsonObject? data = null;
            string? mimError = null;
            JsonObject? detail = null;
            try
            {
                message = error.Str("message") ?? "the mimgraph connector failed " + method;
                code = error.Long("code", 0);
                data = error.Obj("data");
                mimError = data?.Str("mimError");
                if (data != null && data.TryGetValue("detail", out var d)) detail = d as JsonObject;
            }
            catch (ProtocolException e)
            {
                message = "the mimgraph connector failed " + method + " with a malformed error: " + e.Message;
            }
            if (mimError == null)
            {
                switch (code)
                {
                    case -32601: mimError = "EntryPointNotImplemented"; break;
                    case -32800: mimError = "TerminateRun"; break;
                    case -32602:
                        mimError = "ExtensibleExtension";
                        message = "the mimgraph connector refused the parameters of " + method + ": " + message + " (the bridge and connector versions may differ: reinstall both from one bundle)";
                        break;
                    default: mimError = "ExtensibleExtension"; break;
                }
            }
            return new ConnectorCallException(mimError, message, detail);
        }

        /// <summary>
        /// Abandons the calls in flight (MIM closed the run early): asks the connector to cancel each and fails them
        /// with TerminateRun at once.
        /// </summary>
        public void CancelPending()
        {
            KeyValuePair<long, Pending>[] calls;
            lock (_gate)
            {
                calls = new KeyValuePair<long, Pending>[_pending.Count];
                ((ICollection<KeyValuePair<long, Pending>>)_pending).CopyTo(calls, 0);
                _pending.Clear();
            }
            foreach (var c in calls)
            {
                c.Value.Fail(new ConnectorCallException("TerminateRun", c.Value.Method + " was cancelled: the run was stopped"));
                Notify("cancel", new JsonObject { ["id"] = "e" + c.Key.ToString(CultureInfo.InvariantCulture) });
            }
        }

        /// <summary>A message whose answer nobody waits for (cancel, shutdown). Never throws.</summary>
        private Task Notify(string method, JsonObject parameters)
        {
            try
            {
                var t = _dispatch(Envelope(Interlocked.Increment(ref _nextId), method, parameters));
                if (t == null) return Task.FromResult(0);
                t.ContinueWith(x => TraceLog.Debug("edge " + method + ": " + Describe(x.Exception?.GetBaseException())), CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                return t;
            }
            catch (Exception e)
            {
                TraceLog.Debug("edge " + method + ": " + Describe(e));
                return Task.FromResult(0);
            }
        }

        /// <summary>
        /// Cancels what is in flight and tells the connector this channel is done (the connector closes this data
        /// folder's sessions when its last channel has gone). Node itself stays: it cannot start twice in a process.
        /// </summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            bool pending;
            lock (_gate) pending = _pending.Count > 0;
            if (pending) CancelPending();
            var nodeThread = DispatcherThreadId;
            if (nodeThread.HasValue && nodeThread.Value == Environment.CurrentManagedThreadId)
            {
                Notify("shutdown", new JsonObject());
                return;
            }
            try
            {
                Notify("shutdown", new JsonObject()).Wait(5000);
            }
            catch
            {
                // logged by Notify
            }
        }

        private void Remove(long id)
        {
            lock (_gate) _pending.Remove(id);
        }

        private static string Describe(Exception? e)
        {
            if (e == null) return "unknown failure";
            if (e is TargetInvocationException && e.InnerException != null) e = e.InnerException;
            // Edge.js turns a JavaScript Error into an Exception whose message starts with "Error: " and carries the stack.
            var message = e.Message ?? e.GetType().Name;
            int nl = message.IndexOf('\n');
            return nl > 0 ? message.Substring(0, nl).TrimEnd() : message;
        }

        /// <summary>
        /// Windows: the connector's function from EdgeJs's <c>Edge.Func</c>, Node started on first use and kept for the
        /// life of the process. ConnectorCallException naming the path when EdgeJs.dll is missing or unloadable.
        /// </summary>
        private static Func<object, Task<object>> NodeDispatcher(BridgeSettings settings)
        {
            lock (NodeGate)
            {
                if (_node != null)
                {
                    if (!string.Equals(Path.GetFullPath(settings.ConnectorFolder), _nodeConnectorFolder, StringComparison.OrdinalIgnoreCase))
                        TraceLog.Warn("the mimgraph edge channel runs the connector of " + _nodeConnectorFolder + " (loaded first in this process); connectorFolder "
                            + settings.ConnectorFolder + " is ignored: Node starts once per process, so every MA on the edge channel shares one connector");
                    return _node;
                }
                if (_nodeFailure != null) throw _nodeFailure;

                var folder = Path.GetFullPath(settings.ConnectorFolder);
                var dll = Path.Combine(Path.Combine(folder, "edge"), "EdgeJs.dll");
                if (!File.Exists(dll)) throw EdgeJsMissing(dll, "does not exist", settings, null);
                var entry = folder;
                foreach (var part in EntryPath) entry = Path.Combine(entry, part);
                if (!File.Exists(entry))
                    throw new ConnectorCallException("ExtensibleExtension", "the mimgraph connector's Edge entry " + entry + " does not exist; set \"connectorFolder\" in "
                        + SettingsName(settings) + " to the folder the connector was installed in, or set \"channel\" to \"worker\"");

                MethodInfo? func;
                try
                {
                    var asm = Assembly.LoadFrom(dll);
                    var type = asm.GetType("EdgeJs.Edge", false);
                    func = type?.GetMethod("Func", BindingFlags.Public | BindingFlags.Static, null, new[] { typeof(string) }, null);
                }
                catch (Exception e)
                {
                    throw EdgeJsMissing(dll, "could not be loaded: " + Describe(e), settings, e);
                }
                if (func == null || func.ReturnType != typeof(Func<object, Task<object>>))
                    throw EdgeJsMissing(dll, "has no EdgeJs.Edge.Func(string) returning Func<object, Task<object>> (not the EdgeJs NuGet package's assembly?)", settings, null);

                TraceLog.Info("starting Node in this process through " + dll + " for the mimgraph connector " + entry);
                try
                {
                    _node = (Func<object, Task<object>>)func.Invoke(null, new object[] { EdgeCode(entry) })!;
                }
                catch (Exception e)
                {
                    // Node was (or may have been) started: it cannot be started again in this process.
                    _nodeFailure = new ConnectorCallException("ExtensibleExtension", "Edge.js (" + dll + ") could not start the mimgraph connector: " + Describe(e)
                        + "; Node cannot be started twice in a process: fix the installation, restart the MIM Synchronization service, or set \"channel\" to \"worker\" in "
                        + SettingsName(settings), null, e);
                    throw _nodeFailure;
                }
                if (_node == null) throw EdgeJsMissing(dll, "returned no function from Edge.Func", settings, null);
                _nodeConnectorFolder = folder;
                return _node;
            }
        }

        /// <summary>
        /// The Node code EdgeJs's <c>Edge.Func</c> runs once (CommonJS: the body of a function returning the function .NET
        /// calls): it imports the connector's ESM entry by file URL and forwards every message to its default export.
        /// A failed import fails every call with its message.
        /// </summary>
        internal static string EdgeCode(string entryPath)
        {
            var sb = new StringBuilder(512);
            sb.Append("var entry = import(require('url').pathToFileURL(");
            Json.WriteString(sb, entryPath);
            sb.Append(").href);\n");
            sb.Append("entry.catch(function () {});\n");
            sb.Append("return function (payload, callback) {\n");
            sb.Append("  entry.then(function (m) { return m.default(payload); })\n");
            sb.Append("    .then(function (answer) { callback(null, answer); }, function (e) { callback(e instanceof Error ? e : new Error(String(e))); });\n");
            sb.Append("};\n");
            return sb.ToString();
        }

        private static ConnectorCallException EdgeJsMissing(string dll, string what, BridgeSettings settings, Exception? inner)
            => new ConnectorCallException("ExtensibleExtension", "the mimgraph edge channel needs EdgeJs: " + dll + " " + what
                + ". Copy the EdgeJs NuGet package's lib\\<tfm>\\EdgeJs.dll to " + Path.GetDirectoryName(dll) + " and its edge\\ folder (double_edge.js, edge.js, x64\\libnode.dll,"
                + " x64\\edge_nativeclr.node) to " + Path.Combine(Path.GetDirectoryName(dll) ?? "", "edge") + ", or use the worker channel: set \"channel\" to \"worker\" in "
                + SettingsName(settings), null, inner);

        private static string SettingsName(BridgeSettings settings)
            => settings.Source == "defaults" || settings.Source.Length == 0 ? BridgeSettings.FilePath : settings.Source;

        private sealed class Pending
        {
            public Pending(string method)
            {
                Method = method;
            }

            public string Method { get; }

            public ManualResetEventSlim Done { get; } = new ManualResetEventSlim(false);

            public JsonObject? Result { get; private set; }

            public ConnectorCallException? Error { get; private set; }

            public void Succeed(JsonObject result)
            {
                Result = result;
                Done.Set();
            }

            public void Fail(ConnectorCallException error)
            {
                if (Done.IsSet) return;
                Error = error;
                Done.Set();
            }
        }
    }
}
