using System;
using System.Globalization;
using System.IO;
using System.Reflection;
using System.Text;
using MimGraph.Bridge.Protocol;

namespace MimGraph.Bridge.Hosting
{
    /// <summary>
    /// Where to find Node and the connector, and which channel to use: <c>MimGraph.Bridge.settings.json</c>
    /// beside the bridge DLL, every key optional (MIM asks for capabilities and the first parameter page
    /// before any parameter exists, so these cannot be MA parameters). Loaded once per process and again when
    /// the file's timestamp changes.
    /// <code>
    /// {
    ///   "channel": "worker",                       // or "edge"
    ///   "nodePath": "C:\\Program Files\\nodejs\\node.exe",
    ///   "connectorFolder": "C:\\Program Files\\mimgraph",
    ///   "heartbeatTimeoutSeconds": 60,
    ///   "startTimeoutSeconds": 30,
    ///   "certificateStoreLocation": "LocalMachine", // or "CurrentUser"
    ///   "dataFolder": null,                        // null: MIM's MA data folder
    ///   "logFile": null,                           // the MA's Global page "Log file" wins
    ///   "logLevel": null                           // the MA's Global page "Log level" wins
    /// }
    /// </code>
    /// </summary>
    internal sealed class BridgeSettings
    {
        public const string FileName = "MimGraph.Bridge.settings.json";
        public const string WorkerChannelName = "worker";
        public const string EdgeChannelName = "edge";

        private static readonly string[] Keys =
        {
            "channel", "nodePath", "connectorFolder", "heartbeatTimeoutSeconds", "startTimeoutSeconds",
            "certificateStoreLocation", "dataFolder", "logFile", "logLevel",
        };

        private static readonly object Gate = new object();
        private static BridgeSettings? _cached;
        private static DateTime _cachedStamp;
        private static string? _cachedPath;

        /// <summary>Test hook: when set, <see cref="Current"/> returns it and no file is read (tests and the simulator).</summary>
        internal static BridgeSettings? Override { get; set; }

        /// <summary>"worker" (default) or "edge".</summary>
        public string Channel { get; set; } = WorkerChannelName;

        /// <summary>node(.exe) to run the worker with: a full path, or a name found on PATH.</summary>
        public string NodePath { get; set; } = "node";

        /// <summary>The connector's install folder: holds dist/connector/worker/main.js.</summary>
        public string ConnectorFolder { get; set; } = "";

        /// <summary>No message from the worker for this long during a call: the worker is stopped and the call fails.</summary>
        public double HeartbeatTimeoutSeconds { get; set; } = 60;

        /// <summary>Longest wait for the worker's answer to <c>hello</c>.</summary>
        public double StartTimeoutSeconds { get; set; } = 30;

        /// <summary>"LocalMachine" or "CurrentUser": where certificate thumbprints are looked up.</summary>
        public string CertificateStoreLocation { get; set; } = "LocalMachine";

        /// <summary>The connector's state folder; null: MIM's MA data folder (see <see cref="ResolveDataFolder"/>).</summary>
        public string? DataFolder { get; set; }

        /// <summary>Trace log file when the MA's page names none; null: none.</summary>
        public string? LogFile { get; set; }

        /// <summary>Trace log level when the MA's page names none; null: info.</summary>
        public string? LogLevel { get; set; }

        /// <summary>Where these settings came from (the file, or "defaults").</summary>
        public string Source { get; set; } = "defaults";

        /// <summary>The worker's entry point.</summary>
        public string WorkerScript => Path.Combine(Path.Combine(Path.Combine(Path.Combine(ConnectorFolder, "dist"), "connector"), "worker"), "main.js");

        /// <summary>The folder of the bridge DLL (where the settings file lives).</summary>
        public static string BridgeFolder
        {
            get
            {
                var location = typeof(BridgeSettings).Assembly.Location;
                var dir = string.IsNullOrEmpty(location) ? null : Path.GetDirectoryName(location);
                return string.IsNullOrEmpty(dir) ? AppDomain.CurrentDomain.BaseDirectory : dir!;
            }
        }

        /// <summary>The settings file's path.</summary>
        public static string FilePath => Path.Combine(BridgeFolder, FileName);

        /// <summary>
        /// The settings: <see cref="Override"/> when set, else the file beside the DLL (or the defaults when there is
        /// none), re-read when its timestamp changes. A bad file throws ConnectorCallException (ExtensibleExtension)
        /// naming the key and the fix.
        /// </summary>
        public static BridgeSettings Current
        {
            get
            {
                var o = Override;
                if (o != null) return o;
                return LoadCached(FilePath);
            }
        }

        /// <summary>The settings of <paramref name="path"/>, read again only when its timestamp changes (defaults when it does not exist).</summary>
        internal static BridgeSettings LoadCached(string path)
        {
            DateTime stamp;
            try
            {
                stamp = File.Exists(path) ? File.GetLastWriteTimeUtc(path) : DateTime.MinValue;
            }
            catch
            {
                stamp = DateTime.MinValue;
            }
            lock (Gate)
            {
                if (_cached != null && stamp == _cachedStamp && string.Equals(path, _cachedPath, StringComparison.Ordinal)) return _cached;
                var s = stamp == DateTime.MinValue && !File.Exists(path) ? FromDefaults() : Load(path);
                _cached = s;
                _cachedStamp = stamp;
                _cachedPath = path;
                return s;
            }
        }

        /// <summary>The defaults, as on a machine with no settings file.</summary>
        public static BridgeSettings FromDefaults()
        {
            var s = new BridgeSettings();
            s.NodePath = DefaultNodePath();
            s.ConnectorFolder = DefaultConnectorFolder() ?? throw new ConnectorCallException("ExtensibleExtension",
                "the mimgraph connector folder was not found: no dist/connector/worker/main.js above " + BridgeFolder +
                "; set \"connectorFolder\" in " + FilePath + " to the folder the connector was installed in");
            return s;
        }

        /// <summary>Reads one settings file (missing keys take the defaults).</summary>
        public static BridgeSettings Load(string path)
        {
            string text;
            try
            {
                text = File.ReadAllText(path, Encoding.UTF8);
            }
            catch (Exception e)
            {
                throw new ConnectorCallException("ExtensibleExtension", "could not read the mimgraph bridge settings " + path + ": " + e.Message, null, e);
            }
            return Parse(text, path);
        }

        /// <summary>Parses a settings text; <paramref name="source"/> names it in errors.</summary>
        public static BridgeSettings Parse(string text, string source)
        {
            JsonObject o;
            try
            {
                // A BOM written by Notepad is not an error.
                if (text.Length > 0 && text[0] == '\uFEFF') text = text.Substring(1);
                o = string.IsNullOrWhiteSpace(text) ? new JsonObject() : Json.ParseObject(text);
            }
            catch (ProtocolException e)
            {
                throw Bad(source, e.Message + "; fix the file's JSON (or delete it to use the defaults)");
            }

            foreach (var key in o.Keys)
            {
                if (Array.IndexOf(Keys, key) < 0)
                    throw Bad(source, "unknown key \"" + key + "\"; the keys are " + string.Join(", ", Keys) + " (names are case-sensitive)");
            }

            var s = new BridgeSettings { Source = source };

            var channel = Str(o, "channel", source);
            if (channel != null)
            {
                if (channel != WorkerChannelName && channel != EdgeChannelName)
                    throw Bad(source, "\"channel\" is \"" + channel + "\"; set it to \"worker\" (a node process, the default) or \"edge\" (Edge.js in MIM's process)");
                s.Channel = channel;
            }

            var node = Str(o, "nodePath", source);
            s.NodePath = string.IsNullOrWhiteSpace(node) ? DefaultNodePath() : node!;

            var folder = Str(o, "connectorFolder", source);
            if (!string.IsNullOrWhiteSpace(folder))
            {
                s.ConnectorFolder = folder!;
            }
            else
            {
                s.ConnectorFolder = DefaultConnectorFolder() ?? throw Bad(source,
                    "\"connectorFolder\" is not set and no dist/connector/worker/main.js was found above " + BridgeFolder +
                    "; set it to the folder the connector was installed in");
            }

            s.HeartbeatTimeoutSeconds = Seconds(o, "heartbeatTimeoutSeconds", 60, source);
            s.StartTimeoutSeconds = Seconds(o, "startTimeoutSeconds", 30, source);

            var store = Str(o, "certificateStoreLocation", source);
            if (store != null)
            {
                if (string.Equals(store, "LocalMachine", StringComparison.OrdinalIgnoreCase)) s.CertificateStoreLocation = "LocalMachine";
                else if (string.Equals(store, "CurrentUser", StringComparison.OrdinalIgnoreCase)) s.CertificateStoreLocation = "CurrentUser";
                else throw Bad(source, "\"certificateStoreLocation\" is \"" + store + "\"; set it to \"LocalMachine\" (the default) or \"CurrentUser\"");
            }

            var data = Str(o, "dataFolder", source);
            s.DataFolder = string.IsNullOrWhiteSpace(data) ? null : data;
            var log = Str(o, "logFile", source);
            s.LogFile = string.IsNullOrWhiteSpace(log) ? null : log;
            var level = Str(o, "logLevel", source);
            if (!string.IsNullOrWhiteSpace(level))
            {
                if (TraceLog.ParseLevel(level) == null)
                    throw Bad(source, "\"logLevel\" is \"" + level + "\"; set it to error, warn, info or debug");
                s.LogLevel = level;
            }
            return s;
        }

        /// <summary>
        /// The state folder for this MA: <see cref="DataFolder"/> when set, else MIM's MA data folder
        /// (MAUtils.MAFolder, when MIM provides it), else %ProgramData%\mimgraph\data on Windows or
        /// $TMPDIR/mimgraph elsewhere. Resolved per call: one process may host several MAs.
        /// </summary>
        public string ResolveDataFolder()
        {
            if (!string.IsNullOrWhiteSpace(DataFolder)) return DataFolder!;
            var mim = MimMaFolder();
            if (!string.IsNullOrWhiteSpace(mim)) return mim!;
            if (IsWindows)
            {
                var programData = Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData);
                if (string.IsNullOrEmpty(programData)) programData = Environment.GetEnvironmentVariable("ProgramData") ?? @"C:\ProgramData";
                return Path.Combine(Path.Combine(programData, "mimgraph"), "data");
            }
            return Path.Combine(Path.GetTempPath(), "mimgraph");
        }

        /// <summary>A copy (tests change one setting at a time).</summary>
        public BridgeSettings Clone() => (BridgeSettings)MemberwiseClone();

        internal static bool IsWindows
        {
            get
            {
#if NETFRAMEWORK
                return Environment.OSVersion.Platform == PlatformID.Win32NT;
#else
                return OperatingSystem.IsWindows();
#endif
            }
        }

        /// <summary>
        /// MAUtils.MAFolder, read by reflection: MIM's assembly throws (or is absent) outside a MIM run, and the
        /// stand-in may not define it. Null when unavailable.
        /// </summary>
        internal static string? MimMaFolder()
        {
            try
            {
                var t = Type.GetType("Microsoft.MetadirectoryServices.MAUtils, Microsoft.MetadirectoryServicesEx", false);
                var p = t?.GetProperty("MAFolder", BindingFlags.Public | BindingFlags.Static);
                return p?.GetValue(null, null) as string;
            }
            catch
            {
                return null;
            }
        }

        /// <summary>node.exe under %ProgramFiles%\nodejs when it exists, else node(.exe) found on PATH, else the bare name.</summary>
        internal static string DefaultNodePath()
        {
            var exe = IsWindows ? "node.exe" : "node";
            try
            {
                if (IsWindows)
                {
                    var pf = Environment.GetFolderPath(Environment.SpecialFolder.ProgramFiles);
                    if (!string.IsNullOrEmpty(pf))
                    {
                        var candidate = Path.Combine(Path.Combine(pf, "nodejs"), exe);
                        if (File.Exists(candidate)) return candidate;
                    }
                }
                var path = Environment.GetEnvironmentVariable("PATH") ?? "";
                foreach (var dir in path.Split(Path.PathSeparator))
                {
                    if (dir.Length == 0) continue;
                    try
                    {
                        var candidate = Path.Combine(dir.Trim('"'), exe);
                        if (File.Exists(candidate)) return candidate;
                    }
                    catch (ArgumentException)
                    {
                        // a PATH entry with invalid characters
                    }
                }
            }
            catch
            {
                // fall through to the bare name
            }
            return exe;
        }

        /// <summary>
        /// %ProgramFiles%\mimgraph on Windows; elsewhere the nearest folder above the DLL holding
        /// dist/connector/worker/main.js (the repository when running from a build output). Null when none.
        /// </summary>
        internal static string? DefaultConnectorFolder()
        {
            if (IsWindows)
            {
                var pf = Environment.GetFolderPath(Environment.SpecialFolder.ProgramFiles);
                return Path.Combine(string.IsNullOrEmpty(pf) ? @"C:\Program Files" : pf, "mimgraph");
            }
            try
            {
                var dir = new DirectoryInfo(BridgeFolder);
                for (int i = 0; i < 10 && dir != null; i++, dir = dir.Parent)
                {
                    if (File.Exists(Path.Combine(dir.FullName, "dist", "connector", "worker", "main.js"))) return dir.FullName;
                }
            }
            catch
            {
                // none
            }
            return null;
        }

        private static string? Str(JsonObject o, string key, string source)
        {
            try
            {
                return o.Str(key);
            }
            catch (ProtocolException)
            {
                throw Bad(source, "\"" + key + "\" must be a string in double quotes (backslashes doubled: \"C:\\\\Program Files\\\\...\")");
            }
        }

        private static double Seconds(JsonObject o, string key, double fallback, string source)
        {
            if (!o.TryGetValue(key, out var v) || v == null) return fallback;
            double d = v switch
            {
                long l => l,
                double x => x,
                string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var p) => p,
                _ => double.NaN,
            };
            if (double.IsNaN(d) || d <= 0 || d > 86400)
                throw Bad(source, "\"" + key + "\" must be a positive number of seconds, at most 86400 (default " + fallback.ToString(CultureInfo.InvariantCulture) + ")");
            return d;
        }

        private static ConnectorCallException Bad(string source, string what)
            => new ConnectorCallException("ExtensibleExtension", "the mimgraph bridge settings " + source + " are not valid: " + what);
    }
}
