using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using MimGraph.Bridge.Hosting;
using MimGraph.Bridge.Simulator;
using Xunit;

namespace MimGraph.Bridge.Tests.Simulator
{
    /// <summary>
    /// The Graph emulator as a child process (`mimgraph emulator`, its app secret only in the child's
    /// environment), and the bridge pointed at the real worker of this repository. One per test collection.
    /// </summary>
    public sealed class EmulatorFixture : IDisposable
    {
        public const int Users = 60;
        public const int Groups = 6;
        private const string SecretVariable = "MIMGRAPH_SIMULATOR_APP_SECRET";

        private readonly Process emulator;
        private readonly StringBuilder emulatorErr = new StringBuilder();
        private readonly object designGate = new object();
        private MimSyncSimulator? designed;

        public EmulatorFixture()
        {
            RepoRoot = FindRepoRoot();
            TempDir = Path.Combine(Path.GetTempPath(), "mimgraph-sim-" + Guid.NewGuid().ToString("N").Substring(0, 12));
            Directory.CreateDirectory(TempDir);
            CaFile = Path.Combine(TempDir, "ca.pem");
            DataFolder = Path.Combine(TempDir, "madata");
            Directory.CreateDirectory(DataFolder);
            TenantId = Guid.NewGuid().ToString();
            ClientId = Guid.NewGuid().ToString();
            Secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            NodePath = BridgeSettings.DefaultNodePath();

            var psi = new ProcessStartInfo
            {
                FileName = NodePath,
                WorkingDirectory = RepoRoot,
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = false,
            };
            foreach (var a in new[]
            {
                Path.Combine(RepoRoot, "dist", "connector", "cli", "main.js"), "emulator",
                "--port", "0", "--ca-out", CaFile, "--tenant-id", TenantId,
                "--app", ClientId + "=env:" + SecretVariable,
                "--users", Users.ToString(), "--groups", Groups.ToString(), "--seed", "7",
            })
                psi.ArgumentList.Add(a);
            psi.Environment[SecretVariable] = Secret;
            emulator = Process.Start(psi) ?? throw new InvalidOperationException("the emulator did not start");
            emulator.ErrorDataReceived += (_, e) =>
            {
                if (e.Data != null) lock (emulatorErr) emulatorErr.AppendLine(e.Data);
            };
            emulator.BeginErrorReadLine();
            var line = emulator.StandardOutput.ReadLineAsync();
            if (!line.Wait(TimeSpan.FromSeconds(60)) || string.IsNullOrEmpty(line.Result))
            {
                KillEmulator();
                throw new InvalidOperationException("the emulator printed no base URL within 60 s: " + EmulatorStderr);
            }
            BaseUrl = line.Result!.Trim();
            if (!BaseUrl.StartsWith("https://", StringComparison.Ordinal) || !File.Exists(CaFile))
            {
                KillEmulator();
                throw new InvalidOperationException($"unexpected emulator output '{BaseUrl}': {EmulatorStderr}");
            }

            BridgeSettings.Override = new BridgeSettings
            {
                Channel = BridgeSettings.WorkerChannelName,
                NodePath = NodePath,
                ConnectorFolder = RepoRoot,
                HeartbeatTimeoutSeconds = 30,
                DataFolder = DataFolder,
                Source = "simulator tests",
            };
            Graph = new EmulatorGraph(BaseUrl, CaFile, TenantId, ClientId, Secret);
        }

        public string RepoRoot { get; }
        public string TempDir { get; }
        public string CaFile { get; }
        public string DataFolder { get; }
        public string TenantId { get; }
        public string ClientId { get; }
        public string NodePath { get; }
        public string BaseUrl { get; }
        public EmulatorGraph Graph { get; }

        /// <summary>The app's secret: only in this process's memory and the emulator's environment.</summary>
        internal string Secret { get; }

        public string EmulatorStderr
        {
            get { lock (emulatorErr) return emulatorErr.ToString(); }
        }

        /// <summary>A simulator with the values an administrator types for this tenant (not yet shown to any page).</summary>
        public MimSyncSimulator NewSimulator(Action<string>? trace = null)
        {
            var sim = new MimSyncSimulator { Trace = trace };
            EnterConnection(sim);
            return sim;
        }

        public void EnterConnection(MimSyncSimulator sim)
        {
            sim.Enter("Tenant", TenantId)
                .Enter("Client ID", ClientId)
                .Enter("Authentication type", "ClientSecret")
                .EnterSecret("Client secret", Secret)
                .Enter("Cloud", "custom")
                .Enter("Login endpoint", BaseUrl)
                .Enter("Graph endpoint", BaseUrl)
                .Enter("CA file", CaFile)
                .Enter("Write budget", "off");
        }

        /// <summary>
        /// A simulator of a saved MA: the designer ran once for the collection (its pages, validation and
        /// schema are asserted in their own test); each caller gets a fresh connector space and watermark.
        /// </summary>
        public MimSyncSimulator SavedMa(Action<string>? trace = null)
        {
            return new MimSyncSimulator { Trace = trace }.UseConfigurationOf(Designed().Simulator);
        }

        /// <summary>The one designer walk of the collection (every call starts a worker, so it is done once).</summary>
        public (MimSyncSimulator Simulator, DesignerResult Result) Designed()
        {
            lock (designGate)
            {
                if (designed == null)
                {
                    var d = NewSimulator();
                    designerResult = d.RunDesigner();
                    if (!designerResult.Succeeded)
                        throw new InvalidOperationException("the designer failed: " + string.Join("; ", designerResult.Pages) + Environment.NewLine + d.Violations.Describe());
                    designed = d;
                }
                return (designed, designerResult!);
            }
        }

        private DesignerResult? designerResult;

        public void Dispose()
        {
            BridgeSettings.Override = null;
            Graph.Dispose();
            KillEmulator();
            try
            {
                Directory.Delete(TempDir, true);
            }
            catch (IOException)
            {
                // a worker may still hold a file for a moment
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        private void KillEmulator()
        {
            try
            {
                if (!emulator.HasExited)
                {
                    // SIGTERM first (the emulator closes its server), then the hard way.
                    if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) _ = Posix.Kill(emulator.Id, 15);
                    if (!emulator.WaitForExit(3000)) emulator.Kill(true);
                }
            }
            catch (InvalidOperationException)
            {
            }
            emulator.Dispose();
        }

        private static string FindRepoRoot()
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            for (; dir != null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "package.json")) && Directory.Exists(Path.Combine(dir.FullName, "host-bridge")))
                {
                    if (!File.Exists(Path.Combine(dir.FullName, "dist", "connector", "worker", "main.js")))
                        throw new InvalidOperationException($"{dir.FullName}/dist is not built: run `npm run build` first");
                    return dir.FullName;
                }
            }
            throw new InvalidOperationException("the repository root (package.json beside host-bridge/) was not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>The simulator tests share one emulator and the process-wide BridgeSettings.Override: they run alone.</summary>
    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class SimulatorCollection : ICollectionFixture<EmulatorFixture>
    {
        public const string Name = "MIM run-cycle simulator";
    }

    internal static class Posix
    {
        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        internal static extern int Kill(int pid, int signal);
    }

    /// <summary>Worker processes this test process started (node … dist/connector/worker/main.js, parent = us).</summary>
    internal static class WorkerProcesses
    {
        public static List<int> Children()
        {
            var result = new List<int>();
            if (!Directory.Exists("/proc")) return result;
            var me = Environment.ProcessId;
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
                try
                {
                    var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    // pid (comm) state ppid …: comm may contain spaces, so split after the last ')'.
                    var rest = stat.Substring(stat.LastIndexOf(')') + 2).Split(' ');
                    if (rest[0] == "Z" || rest[0] == "X") continue;
                    if (!int.TryParse(rest[1], out var ppid) || ppid != me) continue;
                    var cmd = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                    if (cmd.Replace('\\', '/').Contains("dist/connector/worker/main.js", StringComparison.Ordinal)) result.Add(pid);
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }
            }
            return result;
        }

        /// <summary>Waits until no worker of ours runs; returns those still running after the timeout.</summary>
        public static List<int> WaitNone(TimeSpan timeout)
        {
            var until = DateTime.UtcNow + timeout;
            while (true)
            {
                var left = Children();
                if (left.Count == 0 || DateTime.UtcNow > until) return left;
                Thread.Sleep(100);
            }
        }
    }
}
