#nullable disable
// Written against the stand-in, which predates nullable reference types (Nullable is disabled there too).

using System;
using System.IO;
using System.Text.RegularExpressions;

namespace MimGraph.Bridge.Tests.StandIn
{
    /// <summary>Locates the repository (the folder whose package.json is named "mimgraph") and files relative to it.</summary>
    internal static class RepoPaths
    {
        private static readonly Regex MimGraphName = new Regex("\"name\"\\s*:\\s*\"mimgraph\"", RegexOptions.CultureInvariant);

        public static string RepoRoot
        {
            get
            {
                DirectoryInfo dir = new DirectoryInfo(AppContext.BaseDirectory);
                while (dir != null)
                {
                    string packageJson = Path.Combine(dir.FullName, "package.json");
                    if (File.Exists(packageJson) && MimGraphName.IsMatch(File.ReadAllText(packageJson)))
                    {
                        return dir.FullName;
                    }

                    dir = dir.Parent;
                }

                throw new InvalidOperationException("No folder containing a package.json named \"mimgraph\" above " + AppContext.BaseDirectory);
            }
        }

        public static string ApiDoc
        {
            get { return Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "docs", "ecma2-api.md")); }
        }

        public static string HostBridge
        {
            get { return Path.Combine(RepoRoot, "host-bridge"); }
        }

        /// <summary>The configuration the tests were built with (Release or Debug): the folder above net10.0.</summary>
        public static string Configuration
        {
            get
            {
                DirectoryInfo tfmDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
                return tfmDir.Parent.Name;
            }
        }

        public static string BuiltDll(string project, string framework, string assemblyName)
        {
            return Path.Combine(HostBridge, "src", project, "bin", Configuration, framework, assemblyName + ".dll");
        }
    }
}
