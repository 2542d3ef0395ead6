using System;
using System.Diagnostics;
using System.IO;
using System.Threading;
using MimGraph.Bridge.Hosting;
using Xunit;

namespace MimGraph.Bridge.Tests.Channel
{
    /// <summary>Tests that touch process-wide state (the trace log, node processes): one at a time.</summary>
    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class ChannelCollection
    {
        public const string Name = "Channel (processes and the trace log)";
    }

    internal static class ChannelTestSupport
    {
        private static string? _repo;

        /// <summary>The repository: the nearest folder above the test binaries with package.json.</summary>
        public static string Repo
        {
            get
            {
                if (_repo != null) return _repo;
                var dir = new DirectoryInfo(AppContext.BaseDirectory);
                while (dir != null && !File.Exists(Path.Combine(dir.FullName, "package.json"))) dir = dir.Parent;
                Assert.True(dir != null, "no package.json above " + AppContext.BaseDirectory);
                var worker = Path.Combine(dir!.FullName, "dist", "connector", "worker", "main.js");
                Assert.True(File.Exists(worker), worker + " is missing: run `npm run build` in " + dir.FullName);
                return _repo = dir.FullName;
            }
        }

        public static string NewTempFolder(string prefix)
        {
            var dir = Path.Combine(Path.GetTempPath(), prefix + "-" + Guid.NewGuid().ToString("N").Substring(0, 12));
            Directory.CreateDirectory(dir);
            return dir;
        }

        /// <summary>Settings for the real worker of this repository.</summary>
        public static BridgeSettings RealWorker(double heartbeatTimeoutSeconds = 60) => new BridgeSettings
        {
            Channel = "worker",
            NodePath = BridgeSettings.DefaultNodePath(),
            ConnectorFolder = Repo,
            HeartbeatTimeoutSeconds = heartbeatTimeoutSeconds,
            StartTimeoutSeconds = 30,
            DataFolder = NewTempFolder("mimgraph-data"),
            Source = "test settings",
        };

        /// <summary>
        /// Settings for a fake worker: <see cref="FakeWorkerScript"/> laid out as a connector folder
        /// (dist/connector/worker/main.js), announcing <paramref name="version"/> (default: the bridge's);
        /// or <paramref name="script"/> instead of it.
        /// </summary>
        public static BridgeSettings FakeWorker(double heartbeatTimeoutSeconds = 60, string? version = null, string? script = null)
        {
            var folder = NewTempFolder("mimgraph-fake");
            var dir = Path.Combine(folder, "dist", "connector", "worker");
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "main.js"), script ?? FakeWorkerScript.Replace("__VERSION__", version ?? WorkerChannel.BridgeVersion));
            return new BridgeSettings
            {
                Channel = "worker",
                NodePath = BridgeSettings.DefaultNodePath(),
                ConnectorFolder = folder,
                HeartbeatTimeoutSeconds = heartbeatTimeoutSeconds,
                StartTimeoutSeconds = 30,
                DataFolder = Path.Combine(folder, "data"),
                Source = "test settings",
            };
        }

        /// <summary>
        /// A fake worker (CommonJS; the temp folder has no package.json): answers hello, then per method:
        /// echo (params back), silent (never answers, no heartbeats), beats (a heartbeat every 0.5 s for params.ms,
        /// then {done:true}), ask (sends the bridge requests "sign" and "nope", answers with what came back),
        /// announced (one write-budget heartbeat announcing params.waitMs, then silence until params.answerMs),
        /// fail (a ServerDown error with a request-id), log (params.text to stderr), crash (stderr, then exit 3),
        /// stubborn (ignores shutdown and the end of its input). `cancel` is logged to stderr.
        /// </summary>
        public const string FakeWorkerScript = @"
const send = (m) => process.stdout.write(JSON.stringify(m) + '\n');
const log = (level, msg, extra) => process.stderr.write(JSON.stringify(Object.assign({ time: new Date().toISOString(), level, msg }, extra || {})) + '\n');
let stubborn = false;
const waiting = new Map();
let buf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buf += chunk;
  let nl;
  while ((nl = buf.indexOf('\n')) >= 0) {
    const line = buf.slice(0, nl);
    buf = buf.slice(nl + 1);
    if (line.trim()) onMessage(JSON.parse(line));
  }
});
process.stdin.on('end', () => { if (!stubborn) process.exit(0); });
function onMessage(m) {
  if (m.method === undefined) {
    const w = waiting.get(m.id);
    if (w) { waiting.delete(m.id); w(m); }
    return;
  }
  const p = m.params || {};
  switch (m.method) {
    case 'hello':
      return send({ jsonrpc: '2.0', id: m.id, result: { protocolVersion: 1, connectorVersion: '__VERSION__', methods: ['echo'], heartbeatSeconds: Number(process.env.MIMGRAPH_HEARTBEAT_SECONDS) } });
    case 'cancel':
      return log('info', 'cancelled', { id: p.id });
    case 'shutdown':
      if (stubborn) return;
      send({ jsonrpc: '2.0', id: m.id, result: {} });
      return setTimeout(() => process.exit(0), 10);
    case 'echo':
      return send({ jsonrpc: '2.0', id: m.id, result: p });
    case 'silent':
      return;
    case 'beats': {
      const t = setInterval(() => send({ jsonrpc: '2.0', method: 'heartbeat', params: { id: m.id, reason: 'working' } }), 500);
      return setTimeout(() => { clearInterval(t); send({ jsonrpc: '2.0', id: m.id, result: { done: true } }); }, p.ms);
    }
    case 'announced':
      send({ jsonrpc: '2.0', method: 'heartbeat', params: { id: m.id, reason: 'write-budget', ms: p.waitMs, detail: 'POST /$batch' } });
      return setTimeout(() => send({ jsonrpc: '2.0', id: m.id, result: { done: true } }), p.answerMs);
    case 'ask': {
      const a = new Promise((r) => waiting.set('w1', r));
      const b = new Promise((r) => waiting.set('w2', r));
      send({ jsonrpc: '2.0', id: 'w1', method: 'sign', params: { data: p.data } });
      send({ jsonrpc: '2.0', id: 'w2', method: 'nope', params: {} });
      return Promise.all([a, b]).then(([ra, rb]) => send({ jsonrpc: '2.0', id: m.id, result: { sign: ra, nope: rb } }));
    }
    case 'fail':
      return send({ jsonrpc: '2.0', id: m.id, error: { code: -32000, message: 'Graph is down', data: { mimError: 'ServerDown', detail: { status: 503, requestId: 'req-123' } } } });
    case 'log':
      log('warn', p.text);
      process.stderr.write('plain ' + p.text + '\n');
      return send({ jsonrpc: '2.0', id: m.id, result: {} });
    case 'crash':
      process.stderr.write('fatal: the fake worker gives up\n');
      return setTimeout(() => process.exit(3), 20);
    case 'stubborn':
      stubborn = true;
      setInterval(() => {}, 1000);
      return send({ jsonrpc: '2.0', id: m.id, result: {} });
    default:
      return send({ jsonrpc: '2.0', id: m.id, error: { code: -32601, message: 'unknown method ' + m.method } });
  }
}
";

        /// <summary>True while a process with this id exists (and is not a zombie).</summary>
        public static bool IsAlive(int pid)
        {
            if (OperatingSystem.IsLinux())
            {
                var stat = "/proc/" + pid + "/stat";
                if (!File.Exists(stat)) return false;
                try
                {
                    var text = File.ReadAllText(stat);
                    int close = text.LastIndexOf(')');
                    return close < 0 || close + 2 >= text.Length || text[close + 2] != 'Z';
                }
                catch (IOException)
                {
                    return false;
                }
            }
            try
            {
                using var p = Process.GetProcessById(pid);
                return !p.HasExited;
            }
            catch (ArgumentException)
            {
                return false;
            }
            catch (InvalidOperationException)
            {
                return false;
            }
        }

        /// <summary>Waits up to <paramref name="ms"/> for the process to be gone.</summary>
        public static bool GoneWithin(int pid, int ms)
        {
            var sw = Stopwatch.StartNew();
            while (sw.ElapsedMilliseconds < ms)
            {
                if (!IsAlive(pid)) return true;
                Thread.Sleep(25);
            }
            return !IsAlive(pid);
        }

        public static void KillHard(int pid)
        {
            using var p = Process.GetProcessById(pid);
            p.Kill(); // SIGKILL on Unix, TerminateProcess on Windows: like kill -9
        }
    }
}
