using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;

namespace MimGraph.Bridge.Hosting
{
    /// <summary>Levels of the bridge's trace log, most severe first (the worker's own names).</summary>
    internal enum TraceLogLevel
    {
        Error = 0,
        Warn = 1,
        Info = 2,
        Debug = 3,
    }

    /// <summary>
    /// The bridge's trace log: a file and a level set by the MA's Global page ("Log file", "Log level")
    /// or the settings file, one line per event: <c>yyyy-MM-ddTHH:mm:ss.fffZ LEVEL [pid] message</c>.
    /// Thread-safe and never throws into MIM: a failing file is given up after one attempt (until the
    /// next <see cref="Configure"/>), and System.Diagnostics.Trace takes over.
    /// </summary>
    internal static class TraceLog
    {
        private static readonly object Gate = new object();
        private static readonly int Pid = CurrentPid();
        private static string? _file;
        private static StreamWriter? _writer;
        private static bool _fileFailed;
        private static volatile TraceLogLevel _level = TraceLogLevel.Info;
        private static bool _levelExplicit;

        /// <summary>The file lines go to, or null (Trace only).</summary>
        public static string? File
        {
            get { lock (Gate) return _file; }
        }

        public static TraceLogLevel Level => _level;

        /// <summary>The level's name as the worker's MIMGRAPH_LOG_LEVEL takes it.</summary>
        public static string LevelName => NameOf(_level);

        /// <summary>
        /// Sets the file (null or blank: none) and the level (error, warn, info, debug; null or unknown: info).
        /// Never throws.
        /// </summary>
        public static void Configure(string? file, string? level)
        {
            try
            {
                lock (Gate)
                {
                    var f = string.IsNullOrWhiteSpace(file) ? null : file!.Trim();
                    if (!string.Equals(f, _file, StringComparison.Ordinal) || _fileFailed)
                    {
                        CloseWriter();
                        _file = f;
                        _fileFailed = false;
                    }
                    var parsed = ParseLevel(level);
                    _levelExplicit = parsed != null;
                    _level = parsed ?? TraceLogLevel.Info;
                }
            }
            catch
            {
                // never into MIM
            }
        }

        /// <summary>
        /// The settings file's logFile/logLevel: used only where the MA's pages set nothing (no file configured,
        /// no level given to <see cref="Configure"/>). Never throws.
        /// </summary>
        public static void ApplyDefaults(string? file, string? level)
        {
            try
            {
                lock (Gate)
                {
                    if (_file == null && !string.IsNullOrWhiteSpace(file))
                    {
                        CloseWriter();
                        _file = file!.Trim();
                        _fileFailed = false;
                    }
                    if (!_levelExplicit)
                    {
                        var parsed = ParseLevel(level);
                        if (parsed != null) _level = parsed.Value;
                    }
                }
            }
            catch
            {
                // never into MIM
            }
        }

        /// <summary>error/warn/warning/info/information/debug/verbose (any case); null when not one of them.</summary>
        public static TraceLogLevel? ParseLevel(string? level)
        {
            switch (level?.Trim().ToLowerInvariant())
            {
                case "error": return TraceLogLevel.Error;
                case "warn":
                case "warning": return TraceLogLevel.Warn;
                case "info":
                case "information": return TraceLogLevel.Info;
                case "debug":
                case "verbose": return TraceLogLevel.Debug;
                default: return null;
            }
        }

        public static string NameOf(TraceLogLevel level) => level switch
        {
            TraceLogLevel.Error => "error",
            TraceLogLevel.Warn => "warn",
            TraceLogLevel.Debug => "debug",
            _ => "info",
        };

        public static bool IsEnabled(TraceLogLevel level) => level <= _level;

        public static void Error(string message) => Write(TraceLogLevel.Error, message);

        public static void Warn(string message) => Write(TraceLogLevel.Warn, message);

        public static void Info(string message) => Write(TraceLogLevel.Info, message);

        public static void Debug(string message) => Write(TraceLogLevel.Debug, message);

        public static void Write(TraceLogLevel level, string message)
        {
            if (level > _level) return;
            try
            {
                var line = Format(DateTime.UtcNow, level, message);
                bool written = false;
                lock (Gate)
                {
                    if (_file != null && !_fileFailed)
                    {
                        try
                        {
                            _writer ??= Open(_file);
                            _writer.Write(line);
                            _writer.Write('\n');
                            _writer.Flush();
                            written = true;
                        }
                        catch
                        {
                            // One attempt: give the file up until the next Configure.
                            _fileFailed = true;
                            CloseWriter();
                        }
                    }
                }
                if (!written) System.Diagnostics.Trace.WriteLine(line, "mimgraph");
            }
            catch
            {
                // never into MIM
            }
        }

        /// <summary>Closes the file (the next line reopens it). For tests and process exit.</summary>
        public static void Close()
        {
            try
            {
                lock (Gate) CloseWriter();
            }
            catch
            {
                // never into MIM
            }
        }

        internal static string Format(DateTime utc, TraceLogLevel level, string message)
        {
            var sb = new StringBuilder(message.Length + 48);
            sb.Append(utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            sb.Append(' ');
            sb.Append(level switch
            {
                TraceLogLevel.Error => "ERROR",
                TraceLogLevel.Warn => "WARN",
                TraceLogLevel.Debug => "DEBUG",
                _ => "INFO",
            });
            sb.Append(" [").Append(Pid.ToString(CultureInfo.InvariantCulture)).Append("] ");
            // One event, one line.
            for (int i = 0; i < message.Length; i++)
            {
                char c = message[i];
                if (c == '\r') continue;
                sb.Append(c == '\n' ? ' ' : c);
            }
            return sb.ToString();
        }

        private static StreamWriter Open(string file)
        {
            var dir = Path.GetDirectoryName(Path.GetFullPath(file));
            if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
            // Several MIM processes (one per MA) may share one file: append, share everything.
            var stream = new FileStream(file, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            return new StreamWriter(stream, new UTF8Encoding(false));
        }

        private static void CloseWriter()
        {
            var w = _writer;
            _writer = null;
            try
            {
                w?.Dispose();
            }
            catch
            {
                // ignore
            }
        }

        private static int CurrentPid()
        {
            try
            {
                using var p = Process.GetCurrentProcess();
                return p.Id;
            }
            catch
            {
                return 0;
            }
        }
    }
}
