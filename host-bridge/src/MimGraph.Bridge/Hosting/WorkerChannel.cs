using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Reflection;
using System.Text;
using System.Threading;
using MimGraph.Bridge.Protocol;

namespace MimGraph.Bridge.Hosting
{
    /// <summary>
    /// Channel (a), the default: the TypeScript connector in a node worker process, JSON-RPC 2.0 over its
    /// stdin/stdout, one message per line. <c>hello</c> first (a worker of another version is refused); a
    /// reader thread routes answers by id, heartbeats keep a per-call watchdog quiet, requests the worker sends
    /// go to the <see cref="IWorkerRequestHandler"/>s. A worker that dies or goes silent fails the calls in
    /// flight within seconds with a message naming the cause. Thread-safe: calls may overlap.
    /// </summary>
    internal sealed class WorkerChannel : IConnectorChannel
    {
        public const int ProtocolVersion = 1;

        private readonly BridgeSettings _settings;
        private readonly string _purpose;
        private readonly IWorkerRequestHandler[] _handlers;
        private readonly WorkerProcess _worker;
        private readonly Thread _reader;
        private readonly Thread _watchdog;
        private readonly ManualResetEventSlim _stopWatching = new ManualResetEventSlim(false);
        private readonly int _watchPeriodMs;
        private readonly object _gate = new object();
        private readonly object _writeGate = new object();
        private readonly Dictionary<long, PendingCall> _pending = new Dictionary<long, PendingCall>();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly long _timeoutTicks;
        private long _nextId;
        private long _lastMessage; // _clock ms of the last message that was not another call's heartbeat
        private int _handlersRunning;
        private string? _dead; // why the worker is gone; null while it runs
        private int _disposed;
        private volatile bool _closing;

        private WorkerChannel(BridgeSettings settings, string purpose, IEnumerable<IWorkerRequestHandler>? handlers)
        {
            _settings = settings;
            _purpose = string.IsNullOrEmpty(purpose) ? "a call" : purpose;
            _handlers = handlers == null ? new IWorkerRequestHandler[0] : new List<IWorkerRequestHandler>(handlers).ToArray();
            _timeoutTicks = (long)(settings.HeartbeatTimeoutSeconds * 1000);
            HeartbeatSeconds = ChooseHeartbeatSeconds(settings.HeartbeatTimeoutSeconds);
            _worker = WorkerProcess.Start(settings, TraceLog.LevelName, HeartbeatSeconds);
            _reader = new Thread(ReadLoop) { IsBackground = true, Name = "mimgraph worker stdout " + _worker.Id.ToString(CultureInfo.InvariantCulture) };
            _reader.Start();
            _watchPeriodMs = (int)Math.Max(50, Math.Min(1000, _timeoutTicks / 8));
            // A thread of its own, not a pool timer: a starved thread pool in MIM's process must not delay the verdict.
            _watchdog = new Thread(WatchLoop) { IsBackground = true, Name = "mimgraph worker watchdog " + _worker.Id.ToString(CultureInfo.InvariantCulture) };
            _watchdog.Start();
        }

        /// <summary>The bridge's version (the assembly's informational version without build metadata): the connector must match it.</summary>
        public static string BridgeVersion { get; } = ReadBridgeVersion();

        /// <summary>The connector version the worker announced.</summary>
        public string ConnectorVersion { get; private set; } = "";

        /// <summary>The methods the worker announced.</summary>
        public IList<string> Methods { get; private set; } = new List<string>();

        /// <summary>Seconds between the worker's heartbeats, as asked of it (MIMGRAPH_HEARTBEAT_SECONDS).</summary>
        public double HeartbeatSeconds { get; }

        /// <summary>The worker's process id (tests and the trace log).</summary>
        public int WorkerProcessId => _worker.Id;

        /// <summary>What was started: node and the script, nothing else.</summary>
        public string CommandLine => _worker.CommandLine;

        /// <summary>Calls in flight (tests and the trace log).</summary>
        public int PendingCount
        {
            get { lock (_gate) return _pending.Count; }
        }

        /// <summary>True once the worker has gone (exited, stopped or disposed).</summary>
        public bool IsDead
        {
            get { lock (_gate) return _dead != null; }
        }

        /// <summary>
        /// Starts the worker and shakes hands. ConnectorCallException (ExtensibleExtension) when node or the
        /// connector cannot be started, the worker does not answer within startTimeoutSeconds, or it is of another
        /// version than this bridge.
        /// </summary>
        public static WorkerChannel Start(BridgeSettings settings, string purpose, IEnumerable<IWorkerRequestHandler>? handlers = null, string? dataFolder = null)
        {
            var channel = new WorkerChannel(settings, purpose, handlers);
            try
            {
                channel.Hello(dataFolder ?? settings.ResolveDataFolder());
                return channel;
            }
            catch
            {
                channel.Dispose();
                throw;
            }
        }

        private void Hello(string dataFolder)
        {
            var p = new JsonObject
            {
                ["protocolVersion"] = (long)ProtocolVersion,
                ["bridgeVersion"] = BridgeVersion,
                ["dataFolder"] = dataFolder,
            };
            JsonObject result;
            try
            {
                result = CallCore("hello", p, (int)(_settings.StartTimeoutSeconds * 1000));
            }
            catch (ConnectorCallException e)
            {
                throw new ConnectorCallException("ExtensibleExtension", "the mimgraph worker (" + _worker.CommandLine + ") did not start: " + e.Message, e.Detail, e);
            }
            var connectorVersion = SafeStr(result, "connectorVersion") ?? "";
            long protocol = 0;
            try
            {
                protocol = result.Long("protocolVersion", 0);
            }
            catch (ProtocolException)
            {
                // reported below
            }
            if (protocol != ProtocolVersion)
                throw new ConnectorCallException("ExtensibleExtension", "the mimgraph worker " + _settings.WorkerScript + " speaks bridge protocol "
                    + protocol.ToString(CultureInfo.InvariantCulture) + " but this bridge (MimGraph.Bridge.dll " + BridgeVersion + ") speaks "
                    + ProtocolVersion.ToString(CultureInfo.InvariantCulture) + ": reinstall the bridge and the connector from one bundle");
            if (!string.Equals(connectorVersion, BridgeVersion, StringComparison.Ordinal))
                throw new ConnectorCallException("ExtensibleExtension", "the mimgraph connector at " + _settings.ConnectorFolder + " is version "
                    + (connectorVersion.Length == 0 ? "(unknown)" : connectorVersion) + " but the bridge MimGraph.Bridge.dll is version " + BridgeVersion
                    + ": they must be of one version; reinstall both from one mimgraph bundle (the DLL in MIM's Extensions folder and the connector folder)");
            ConnectorVersion = connectorVersion;
            var methods = new List<string>();
            try
            {
                var arr = result.Arr("methods");
                if (arr != null)
                {
                    foreach (var m in arr)
                    {
                        if (m is string s) methods.Add(s);
                    }
                }
            }
            catch (ProtocolException)
            {
                // optional
            }
            Methods = methods;
            double announced = result.TryGetValue("heartbeatSeconds", out var hb) && hb is long l ? l : hb is double d ? d : HeartbeatSeconds;
            if (announced >= _settings.HeartbeatTimeoutSeconds)
                TraceLog.Warn("the mimgraph worker sends heartbeats every " + announced.ToString(CultureInfo.InvariantCulture) + " s but heartbeatTimeoutSeconds is "
                    + _settings.HeartbeatTimeoutSeconds.ToString(CultureInfo.InvariantCulture) + " s: long calls may be taken for hangs");
            TraceLog.Info("mimgraph worker " + _worker.Id.ToString(CultureInfo.InvariantCulture) + " ready for " + _purpose + " (connector " + connectorVersion
                + ", bridge protocol " + ProtocolVersion.ToString(CultureInfo.InvariantCulture) + ")");
        }

        /// <summary>One call; blocks until the answer. Failures throw ConnectorCallException.</summary>
        public JsonObject Call(string method, JsonObject parameters)
        {
            if (method == null) throw new ArgumentNullException(nameof(method));
            return CallCore(method, parameters ?? new JsonObject(), Timeout.Infinite);
        }

        private JsonObject CallCore(string method, JsonObject parameters, int startTimeoutMs)
        {
            if (Volatile.Read(ref _disposed) != 0) throw new ConnectorCallException("ExtensibleExtension", "the mimgraph worker channel is closed (" + method + ")");
            var call = new PendingCall(Interlocked.Increment(ref _nextId), method, Now);
            lock (_gate)
            {
                if (_dead != null) throw new ConnectorCallException("ExtensibleExtension", _dead);
                _pending.Add(call.Id, call);
            }

            var msg = new StringBuilder(256);
            msg.Append("{\"jsonrpc\":\"2.0\",\"id\":").Append(call.Id.ToString(CultureInfo.InvariantCulture)).Append(",\"method\":");
            Json.WriteString(msg, method);
            msg.Append(",\"params\":");
            try
            {
                Json.Write(msg, parameters);
            }
            catch (ProtocolException e)
            {
                Remove(call.Id);
                throw new ConnectorCallException("ExtensibleExtension", "could not send " + method + " to the mimgraph worker: " + e.Message, null, e);
            }
            msg.Append('}');

            var started = _clock.ElapsedMilliseconds;
            if (TraceLog.IsEnabled(TraceLogLevel.Debug)) TraceLog.Debug("→ " + method + " #" + call.Id.ToString(CultureInfo.InvariantCulture) + " (" + msg.Length.ToString(CultureInfo.InvariantCulture) + " chars)");
            if (!Send(msg.ToString()))
            {
                // The pipe broke: the worker is gone. The reader names the exit within a moment.
                if (!call.Done.Wait(2000)) OnWorkerGone("the mimgraph worker's input is closed");
            }

            if (!call.Done.Wait(startTimeoutMs))
            {
                var why = "the mimgraph worker did not answer " + method + " within " + (startTimeoutMs / 1000.0).ToString("0.#", CultureInfo.InvariantCulture)
                    + " s (startTimeoutSeconds in " + BridgeSettings.FileName + "); it was stopped" + StderrTail();
                StopWorker(why, null);
                call.Done.Wait(2000);
            }

            if (call.Error != null) throw call.Error;
            if (TraceLog.IsEnabled(TraceLogLevel.Debug)) TraceLog.Debug("← " + method + " #" + call.Id.ToString(CultureInfo.InvariantCulture) + " in " + (_clock.ElapsedMilliseconds - started).ToString(CultureInfo.InvariantCulture) + " ms");
            return call.Result ?? new JsonObject();
        }

        /// <summary>
        /// Abandons the calls in flight (MIM closed the run early): sends <c>cancel</c> for each and fails them
        /// with TerminateRun at once.
        /// </summary>
        public void CancelPending()
        {
            PendingCall[] calls;
            lock (_gate)
            {
                calls = new PendingCall[_pending.Count];
                _pending.Values.CopyTo(calls, 0);
                _pending.Clear();
            }
            foreach (var c in calls)
            {
                Send("{\"jsonrpc\":\"2.0\",\"method\":\"cancel\",\"params\":{\"id\":" + c.Id.ToString(CultureInfo.InvariantCulture) + "}}");
                c.Fail(new ConnectorCallException("TerminateRun", "the run was closed before " + c.Method + " finished; the mimgraph worker was told to stop it"));
            }
            if (calls.Length > 0) TraceLog.Info("cancelled " + calls.Length.ToString(CultureInfo.InvariantCulture) + " mimgraph call(s) in flight");
        }

        /// <summary>Sends <c>shutdown</c>, waits up to 3 s for the worker to end, then stops its process tree.</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            _closing = true;
            try
            {
                _stopWatching.Set();
            }
            catch
            {
                // ignore
            }
            bool alive;
            lock (_gate) alive = _dead == null;
            if (alive)
            {
                var id = Interlocked.Increment(ref _nextId);
                if (Send("{\"jsonrpc\":\"2.0\",\"id\":" + id.ToString(CultureInfo.InvariantCulture) + ",\"method\":\"shutdown\",\"params\":{}}"))
                {
                    // The worker also ends when its input ends.
                    lock (_writeGate)
                    {
                        try
                        {
                            _worker.Input.Dispose();
                        }
                        catch
                        {
                            // broken pipe: it is going anyway
                        }
                    }
                }
                if (!_worker.WaitForExit(3000))
                {
                    TraceLog.Warn("the mimgraph worker " + _worker.Id.ToString(CultureInfo.InvariantCulture) + " did not end within 3 s of shutdown; stopping it");
                    _worker.KillTree();
                }
            }
            FailAll("the mimgraph worker channel was closed", "TerminateRun");
            lock (_gate) _dead ??= "the mimgraph worker channel is closed";
            _worker.Dispose();
            try
            {
                if (Thread.CurrentThread != _reader) _reader.Join(2000);
            }
            catch
            {
                // ignore
            }
        }

        private long Now => _clock.ElapsedMilliseconds;

        private bool Send(string line)
        {
            lock (_writeGate)
            {
                try
                {
                    var w = _worker.Input;
                    w.Write(line);
                    w.Write('\n');
                    w.Flush();
                    return true;
                }
                catch (Exception e) when (e is IOException || e is ObjectDisposedException || e is InvalidOperationException)
                {
                    return false;
                }
            }
        }

        private void ReadLoop()
        {
            try
            {
                var reader = _worker.Output;
                string? line;
                while ((line = reader.ReadLine()) != null)
                {
                    if (line.Length == 0) continue;
                    try
                    {
                        OnLine(line);
                    }
                    catch (Exception e)
                    {
                        TraceLog.Error("mimgraph worker " + _worker.Id.ToString(CultureInfo.InvariantCulture) + " sent a message the bridge could not handle: " + e.Message);
                    }
                }
            }
            catch (Exception e)
            {
                if (!_closing) TraceLog.Warn("reading from the mimgraph worker failed: " + e.Message);
            }
            OnWorkerGone(null);
        }

        private void OnLine(string line)
        {
            JsonObject msg;
            try
            {
                msg = Json.ParseObject(line);
            }
            catch (ProtocolException e)
            {
                TraceLog.Error("the mimgraph worker wrote something that is not a protocol message to its output (" + e.Message + "): "
                    + (line.Length > 200 ? line.Substring(0, 200) + "…" : line));
                return;
            }

            msg.TryGetValue("method", out var methodValue);
            msg.TryGetValue("id", out var idValue);
            if (methodValue is string method)
            {
                if (method == "heartbeat")
                {
                    OnHeartbeat(msg.Obj("params"));
                    return;
                }
                Volatile.Write(ref _lastMessage, Now);
                if (idValue != null)
                {
                    // A request of the worker's: answered on the pool, so heartbeats keep flowing meanwhile.
                    Interlocked.Increment(ref _handlersRunning);
                    var request = msg;
                    ThreadPool.QueueUserWorkItem(_ => HandleWorkerRequest(method, idValue, request));
                }
                else
                {
                    TraceLog.Debug("mimgraph worker notification '" + method + "' ignored");
                }
                return;
            }

            Volatile.Write(ref _lastMessage, Now);
            long id = ToId(idValue);
            PendingCall? call;
            lock (_gate)
            {
                if (_pending.TryGetValue(id, out call)) _pending.Remove(id);
            }
            var error = msg.Obj("error");
            if (call == null)
            {
                if (error != null && idValue == null)
                    TraceLog.Error("the mimgraph worker refused a message: " + (error.Str("message") ?? "(no message)"));
                else
                    TraceLog.Debug("an answer for #" + Convert.ToString(idValue, CultureInfo.InvariantCulture) + " nobody waits for any more (cancelled or timed out)");
                return;
            }
            if (error != null)
            {
                call.Fail(ToException(call.Method, error));
                return;
            }
            msg.TryGetValue("result", out var result);
            if (result is JsonObject o) call.Succeed(o);
            else if (result == null) call.Succeed(new JsonObject());
            else call.Fail(new ConnectorCallException("UnexpectedData", "the mimgraph worker answered " + call.Method + " with " + Json.KindOf(result) + " instead of an object"));
        }

        private void OnHeartbeat(JsonObject? p)
        {
            if (p == null) return;
            p.TryGetValue("id", out var idValue);
            long id = ToId(idValue);
            PendingCall? call;
            lock (_gate) _pending.TryGetValue(id, out call);
            if (call == null) return;
            var now = Now;
            long ms = 0;
            try
            {
                ms = p.Long("ms", 0);
            }
            catch (ProtocolException)
            {
                // a heartbeat without a readable wait is still a heartbeat
            }
            call.Touch(now, ms);
            if (TraceLog.IsEnabled(TraceLogLevel.Debug))
            {
                string reason = SafeStr(p, "reason") ?? "working";
                TraceLog.Debug("♥ " + call.Method + " #" + id.ToString(CultureInfo.InvariantCulture) + " " + reason
                    + (ms > 0 ? " " + ms.ToString(CultureInfo.InvariantCulture) + " ms" : "")
                    + (SafeStr(p, "detail") is string d ? " " + d : ""));
            }
        }

        private void HandleWorkerRequest(string method, object id, JsonObject request)
        {
            var sb = new StringBuilder(256);
            sb.Append("{\"jsonrpc\":\"2.0\",\"id\":");
            Json.Write(sb, id);
            try
            {
                IWorkerRequestHandler? handler = null;
                foreach (var h in _handlers)
                {
                    if (h.Handles(method))
                    {
                        handler = h;
                        break;
                    }
                }
                if (handler == null)
                {
                    sb.Append(",\"error\":{\"code\":-32601,\"message\":");
                    Json.WriteString(sb, "the bridge does not answer '" + method + "'");
                    sb.Append(",\"data\":{\"mimError\":\"EntryPointNotImplemented\"}}}");
                }
                else
                {
                    JsonObject result;
                    try
                    {
                        var p = request.Obj("params") ?? new JsonObject();
                        result = handler.Handle(method, p) ?? new JsonObject();
                        sb.Append(",\"result\":");
                        Json.Write(sb, result);
                        sb.Append('}');
                    }
                    catch (Exception e)
                    {
                        var cce = e as ConnectorCallException;
                        TraceLog.Warn("the bridge could not answer the mimgraph worker's " + method + ": " + e.Message);
                        var data = new JsonObject { ["mimError"] = cce?.MimError ?? "ExtensibleExtension" };
                        if (cce?.Detail != null) data["detail"] = cce.Detail;
                        var err = new JsonObject { ["code"] = -32000L, ["message"] = e.Message, ["data"] = data };
                        sb.Length = 0;
                        sb.Append("{\"jsonrpc\":\"2.0\",\"id\":");
                        Json.Write(sb, id);
                        sb.Append(",\"error\":");
                        Json.Write(sb, err);
                        sb.Append('}');
                    }
                }
                Send(sb.ToString());
            }
            catch (Exception e)
            {
                TraceLog.Error("answering the mimgraph worker's " + method + " failed: " + e.Message);
            }
            finally
            {
                Volatile.Write(ref _lastMessage, Now);
                Interlocked.Decrement(ref _handlersRunning);
            }
        }

        private void WatchLoop()
        {
            while (!_stopWatching.Wait(_watchPeriodMs)) Watch();
        }

        private void Watch()
        {
            try
            {
                if (_closing || Volatile.Read(ref _handlersRunning) > 0) return;
                var now = Now;
                var lastMessage = Volatile.Read(ref _lastMessage);
                PendingCall? hung = null;
                lock (_gate)
                {
                    if (_dead != null) return;
                    foreach (var c in _pending.Values)
                    {
                        if (c.Method == "hello") continue; // startTimeoutSeconds governs the handshake
                        if (c.IsSilent(now, lastMessage, _timeoutTicks))
                        {
                            hung = c;
                            break;
                        }
                    }
                }
                if (hung == null) return;
                var seconds = (_timeoutTicks / 1000.0).ToString("0.#", CultureInfo.InvariantCulture);
                var why = "the mimgraph worker sent no heartbeat for " + seconds + " s during " + hung.Method + "; it was stopped"
                    + " (heartbeatTimeoutSeconds in " + BridgeSettings.FileName + ")" + StderrTail();
                StopWorker(why, hung);
            }
            catch (Exception e)
            {
                TraceLog.Error("the mimgraph watchdog failed: " + e.Message);
            }
        }

        /// <summary>Kills the worker and fails every call in flight with <paramref name="why"/>.</summary>
        private void StopWorker(string why, PendingCall? hung)
        {
            lock (_gate)
            {
                if (_dead != null) return;
                _dead = why;
            }
            _stopWatching.Set();
            TraceLog.Error(why);
            _worker.KillTree();
            if (hung != null) Remove(hung.Id);
            hung?.Fail(new ConnectorCallException("ExtensibleExtension", why));
            FailAll(why, "ExtensibleExtension");
            EventLogReporter.Report("mimgraph: " + why);
        }

        /// <summary>The worker's output ended (it exited or was killed): fail every call in flight naming the exit.</summary>
        private void OnWorkerGone(string? hint)
        {
            string? why;
            bool hadPending;
            lock (_gate)
            {
                hadPending = _pending.Count > 0;
                why = _dead;
            }
            if (why == null)
            {
                _worker.WaitForExit(1000);
                _worker.DrainStderr(300);
                var code = _worker.ExitCode;
                string during;
                lock (_gate)
                {
                    var methods = new List<string>();
                    foreach (var c in _pending.Values)
                    {
                        if (!methods.Contains(c.Method)) methods.Add(c.Method);
                    }
                    during = methods.Count == 0 ? "" : " during " + string.Join(", ", methods.ToArray());
                }
                why = (hint != null ? hint + ": " : "") + "the mimgraph worker (pid " + _worker.Id.ToString(CultureInfo.InvariantCulture) + ") "
                    + (code.HasValue ? "exited with code " + code.Value.ToString(CultureInfo.InvariantCulture) + DescribeExit(code.Value) : "stopped answering")
                    + during + StderrTail();
                lock (_gate)
                {
                    if (_dead != null) why = _dead;
                    else _dead = why;
                }
                if (!_closing)
                {
                    if (hadPending) EventLogReporter.Report(why);
                    else TraceLog.Warn(why);
                }
            }
            _stopWatching.Set();
            FailAll(why, _closing ? "TerminateRun" : "ExtensibleExtension");
        }

        private void FailAll(string why, string mimError)
        {
            PendingCall[] calls;
            lock (_gate)
            {
                calls = new PendingCall[_pending.Count];
                _pending.Values.CopyTo(calls, 0);
                _pending.Clear();
            }
            foreach (var c in calls) c.Fail(new ConnectorCallException(mimError, why));
        }

        private void Remove(long id)
        {
            lock (_gate) _pending.Remove(id);
        }

        private string StderrTail()
        {
            var lines = _worker.LastStderrLines(5);
            if (lines.Length == 0) return "";
            var sb = new StringBuilder("; its last output: ");
            for (int i = 0; i < lines.Length; i++)
            {
                if (i > 0) sb.Append(" | ");
                var l = lines[i];
                sb.Append(l.Length > 400 ? l.Substring(0, 400) + "…" : l);
            }
            return sb.ToString();
        }

        private static string DescribeExit(int code)
        {
            if (BridgeSettings.IsWindows) return "";
            // .NET reports death by signal N as 128+N.
            if (code == 137) return " (killed: SIGKILL)";
            if (code == 143) return " (terminated: SIGTERM)";
            if (code == 134) return " (aborted: SIGABRT, e.g. out of memory)";
            if (code == 139) return " (crashed: SIGSEGV)";
            return "";
        }

        private ConnectorCallException ToException(string method, JsonObject error)
        {
            string message = SafeStr(error, "message") ?? "the mimgraph worker failed " + method;
            long code = 0;
            try
            {
                code = error.Long("code", 0);
            }
            catch (ProtocolException)
            {
                // unknown code
            }
            JsonObject? data = null;
            try
            {
                data = error.Obj("data");
            }
            catch (ProtocolException)
            {
                // no data
            }
            string? mimError = data == null ? null : SafeStr(data, "mimError");
            JsonObject? detail = null;
            if (data != null && data.TryGetValue("detail", out var d)) detail = d as JsonObject;
            if (mimError == null)
            {
                switch (code)
                {
                    case -32601: mimError = "EntryPointNotImplemented"; break;
                    case -32800: mimError = "TerminateRun"; break;
                    case -32602:
                        mimError = "ExtensibleExtension";
                        message = "the mimgraph worker refused the parameters of " + method + ": " + message + " (the bridge and connector versions may differ: reinstall both from one bundle)";
                        break;
                    default: mimError = "ExtensibleExtension"; break;
                }
            }
            return new ConnectorCallException(mimError, message, detail);
        }

        private static long ToId(object? id) => id switch
        {
            long l => l,
            double d => (long)d,
            string s when long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var p) => p,
            _ => -1,
        };

        private static string? SafeStr(JsonObject o, string key) => o.TryGetValue(key, out var v) ? v as string : null;

        /// <summary>A third of the silence the bridge tolerates, at most the worker's default 10 s, at least 0.2 s.</summary>
        internal static double ChooseHeartbeatSeconds(double timeoutSeconds)
        {
            var s = timeoutSeconds / 3.0;
            if (s > 10) s = 10;
            if (s < 0.2) s = 0.2;
            return Math.Round(s, 3);
        }

        private static string ReadBridgeVersion()
        {
            var asm = typeof(WorkerChannel).Assembly;
            try
            {
                var info = (AssemblyInformationalVersionAttribute?)Attribute.GetCustomAttribute(asm, typeof(AssemblyInformationalVersionAttribute));
                var v = info?.InformationalVersion;
                if (!string.IsNullOrEmpty(v))
                {
                    int plus = v!.IndexOf('+');
                    return plus >= 0 ? v.Substring(0, plus) : v;
                }
            }
            catch
            {
                // fall back to the assembly version
            }
            var version = asm.GetName().Version;
            return version == null ? "0.0.0" : version.ToString(3);
        }

        /// <summary>One call in flight.</summary>
        private sealed class PendingCall
        {
            private long _lastSign;
            private long _waitUntil;
            private int _completed;

            public PendingCall(long id, string method, long now)
            {
                Id = id;
                Method = method;
                _lastSign = now;
            }

            public long Id { get; }

            public string Method { get; }

            public ManualResetEventSlim Done { get; } = new ManualResetEventSlim(false);

            public JsonObject? Result { get; private set; }

            public ConnectorCallException? Error { get; private set; }

            /// <summary>A heartbeat: alive now, and maybe waiting <paramref name="waitMs"/> on purpose (Retry-After, the write governor).</summary>
            public void Touch(long now, long waitMs)
            {
                Volatile.Write(ref _lastSign, now);
                if (waitMs > 0) Volatile.Write(ref _waitUntil, now + waitMs);
            }

            public bool IsSilent(long now, long lastMessage, long timeout)
            {
                long last = Math.Max(Volatile.Read(ref _lastSign), Math.Max(lastMessage, Volatile.Read(ref _waitUntil)));
                return now - last > timeout;
            }

            public void Succeed(JsonObject result)
            {
                if (Interlocked.Exchange(ref _completed, 1) != 0) return;
                Result = result;
                Done.Set();
            }

            public void Fail(ConnectorCallException error)
            {
                if (Interlocked.Exchange(ref _completed, 1) != 0) return;
                Error = error;
                Done.Set();
            }
        }
    }
}
