using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using MimGraph.Bridge.Protocol;

namespace MimGraph.Bridge.Hosting
{
    /// <summary>
    /// The node process running <c>dist/connector/worker/main.js</c>: started with redirected stdin/stdout/stderr
    /// (UTF-8, no BOM), the current environment plus MIMGRAPH_LOG_LEVEL and MIMGRAPH_HEARTBEAT_SECONDS only, and
    /// nothing secret on its command line. stderr lines go to the trace log; the last few are kept for error
    /// messages. Tied to this process's lifetime by a job object on Windows.
    /// </summary>
    internal sealed class WorkerProcess : IDisposable
    {
        private const int KeptStderrLines = 20;

        private readonly Process _process;
        private readonly JobObject? _job;
        private readonly Thread _stderrThread;
        private readonly Queue<string> _lastStderr = new Queue<string>();
        private readonly object _stderrGate = new object();
        private int _disposed;

        private WorkerProcess(Process process, JobObject? job, string commandLine)
        {
            _process = process;
            _job = job;
            CommandLine = commandLine;
            Input = new StreamWriter(process.StandardInput.BaseStream, new UTF8Encoding(false), 65536) { AutoFlush = false, NewLine = "\n" };
            Output = process.StandardOutput;
            Id = process.Id;
            _stderrThread = new Thread(ReadStderr) { IsBackground = true, Name = "mimgraph worker stderr " + Id.ToString(CultureInfo.InvariantCulture) };
            _stderrThread.Start();
        }

        /// <summary>The worker's process id.</summary>
        public int Id { get; }

        /// <summary>What was started (node and the script: nothing secret ever goes here).</summary>
        public string CommandLine { get; }

        /// <summary>Protocol messages to the worker (UTF-8 without BOM; '\n' line ends). Writers lock it.</summary>
        public StreamWriter Input { get; }

        /// <summary>Protocol messages from the worker.</summary>
        public StreamReader Output { get; }

        /// <summary>Raised for every stderr line (after the trace log has it).</summary>
        public event Action<string>? StderrLine;

        public bool HasExited
        {
            get
            {
                try
                {
                    return _process.HasExited;
                }
                catch (InvalidOperationException)
                {
                    return true;
                }
            }
        }

        /// <summary>The exit code once the process has ended, else null.</summary>
        public int? ExitCode
        {
            get
            {
                try
                {
                    return _process.HasExited ? _process.ExitCode : (int?)null;
                }
                catch (InvalidOperationException)
                {
                    return null;
                }
            }
        }

        /// <summary>
        /// Starts node on the worker script. ConnectorCallException (ExtensibleExtension) naming the setting to fix
        /// when node or the script cannot be found.
        /// </summary>
        public static WorkerProcess Start(BridgeSettings settings, string logLevel, double heartbeatSeconds)
        {
            var script = settings.WorkerScript;
            if (!File.Exists(script))
                throw new ConnectorCallException("ExtensibleExtension", "the mimgraph worker " + script + " does not exist; set \"connectorFolder\" in "
                    + SettingsName(settings) + " to the folder the connector was installed in (the one holding dist\\connector\\worker\\main.js)");

            var psi = new ProcessStartInfo
            {
                FileName = settings.NodePath,
                Arguments = QuoteArgument(script),
                WorkingDirectory = settings.ConnectorFolder,
                UseShellExecute = false,
                CreateNoWindow = true,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                StandardOutputEncoding = new UTF8Encoding(false),
                StandardErrorEncoding = new UTF8Encoding(false),
            };
            // The current environment plus these two: secrets cross the pipe only.
            psi.Environment["MIMGRAPH_LOG_LEVEL"] = logLevel;
            psi.Environment["MIMGRAPH_HEARTBEAT_SECONDS"] = heartbeatSeconds.ToString("0.###", CultureInfo.InvariantCulture);

            var commandLine = QuoteArgument(settings.NodePath) + " " + psi.Arguments;
            var process = new Process { StartInfo = psi };
            try
            {
                if (!process.Start()) throw new InvalidOperationException("the process did not start");
            }
            catch (Exception e) when (e is Win32Exception || e is InvalidOperationException || e is IOException)
            {
                process.Dispose();
                throw new ConnectorCallException("ExtensibleExtension", "could not start the mimgraph worker with node '" + settings.NodePath + "': " + e.Message
                    + "; install Node.js 20 or later, or set \"nodePath\" in " + SettingsName(settings) + " to node.exe's full path", null, e);
            }
            JobObject? job = JobObject.Attach(process);
            TraceLog.Debug("started the mimgraph worker, pid " + process.Id.ToString(CultureInfo.InvariantCulture) + ": " + commandLine);
            return new WorkerProcess(process, job, commandLine);
        }

        /// <summary>The last stderr lines (at most <paramref name="max"/>), oldest first.</summary>
        public string[] LastStderrLines(int max)
        {
            lock (_stderrGate)
            {
                var all = _lastStderr.ToArray();
                if (all.Length <= max) return all;
                var tail = new string[max];
                Array.Copy(all, all.Length - max, tail, 0, max);
                return tail;
            }
        }

        public bool WaitForExit(int milliseconds)
        {
            try
            {
                return _process.WaitForExit(milliseconds);
            }
            catch (InvalidOperationException)
            {
                return true;
            }
            catch (SystemException)
            {
                return true;
            }
        }

        /// <summary>Waits (bounded) until every stderr line has been read, so error texts can quote the last ones.</summary>
        public void DrainStderr(int milliseconds)
        {
            try
            {
                if (Thread.CurrentThread != _stderrThread) _stderrThread.Join(milliseconds);
            }
            catch
            {
                // best effort
            }
        }

        /// <summary>Ends the worker and anything it started. Never throws.</summary>
        public void KillTree()
        {
            try
            {
                if (_process.HasExited) return;
            }
            catch (InvalidOperationException)
            {
                return;
            }
            try
            {
#if NETFRAMEWORK
                if (_job != null) _job.Terminate();
                else _process.Kill();
#else
                _process.Kill(entireProcessTree: true);
#endif
            }
            catch (Exception e)
            {
                TraceLog.Debug("stopping the mimgraph worker " + Id.ToString(CultureInfo.InvariantCulture) + ": " + e.Message);
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            KillTree();
            WaitForExit(2000);
            try
            {
                Input.Dispose();
            }
            catch
            {
                // the pipe may be broken already
            }
            DrainStderr(500);
            _job?.Dispose();
            try
            {
                _process.Dispose();
            }
            catch
            {
                // ignore
            }
        }

        private void ReadStderr()
        {
            try
            {
                var reader = _process.StandardError;
                string? line;
                while ((line = reader.ReadLine()) != null)
                {
                    if (line.Length == 0) continue;
                    lock (_stderrGate)
                    {
                        _lastStderr.Enqueue(line);
                        while (_lastStderr.Count > KeptStderrLines) _lastStderr.Dequeue();
                    }
                    TraceLog.Write(LevelOf(line), "worker " + Id.ToString(CultureInfo.InvariantCulture) + ": " + line);
                    try
                    {
                        StderrLine?.Invoke(line);
                    }
                    catch
                    {
                        // a listener's failure is not the worker's
                    }
                }
            }
            catch
            {
                // the process went away
            }
        }

        /// <summary>The worker logs one JSON object per line with a "level"; anything else (a crash, node's warnings) is a warning.</summary>
        internal static TraceLogLevel LevelOf(string line)
        {
            if (line.Length > 0 && line[0] == '{')
            {
                try
                {
                    if (Json.Parse(line) is JsonObject o && o.TryGetValue("level", out var l) && l is string s)
                        return TraceLog.ParseLevel(s) ?? TraceLogLevel.Info;
                }
                catch (ProtocolException)
                {
                    // not the worker's JSON
                }
            }
            return TraceLogLevel.Warn;
        }

        /// <summary>Quotes one argument for the Windows command-line rules (which .NET applies on every OS).</summary>
        internal static string QuoteArgument(string arg)
        {
            if (arg.Length > 0 && arg.IndexOfAny(new[] { ' ', '\t', '\n', '\v', '"' }) < 0) return arg;
            var sb = new StringBuilder(arg.Length + 8);
            sb.Append('"');
            int backslashes = 0;
            foreach (char c in arg)
            {
                if (c == '\\')
                {
                    backslashes++;
                    continue;
                }
                if (c == '"')
                {
                    sb.Append('\\', backslashes * 2 + 1);
                    sb.Append('"');
                }
                else
                {
                    sb.Append('\\', backslashes);
                    sb.Append(c);
                }
                backslashes = 0;
            }
            sb.Append('\\', backslashes * 2);
            sb.Append('"');
            return sb.ToString();
        }

        private static string SettingsName(BridgeSettings settings)
            => settings.Source == "defaults" || settings.Source.Length == 0 ? BridgeSettings.FilePath : settings.Source;
    }
}
