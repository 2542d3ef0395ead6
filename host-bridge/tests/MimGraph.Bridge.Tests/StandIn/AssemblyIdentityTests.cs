#nullable disable
// Written against the stand-in, which predates nullable reference types (Nullable is disabled there too).

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Security.Cryptography;
using Xunit;
using Xunit.Abstractions;

namespace MimGraph.Bridge.Tests.StandIn
{
    /// <summary>
    /// Identities read from the metadata of the built net472 DLLs (System.Reflection.Metadata): the stand-in
    /// must carry MIM's identity (ecma2-api.md §1) so that the net472 bridge binds to the real assembly on a
    /// MIM server, and the bridge must reference nothing but the .NET Framework and that assembly.
    /// </summary>
    public class AssemblyIdentityTests
    {
        private const string MicrosoftToken = "31bf3856ad364e35";
        private const string StandInName = "Microsoft.MetadirectoryServicesEx";

        // .NET Framework assemblies a net472 bridge may reference (all from the framework, signed with one of
        // Microsoft's three framework keys). No netstandard, no facades such as System.Runtime, no NuGet packages.
        private static readonly HashSet<string> FrameworkAssemblies = new HashSet<string>(StringComparer.Ordinal)
        {
            "mscorlib", "System", "System.Core", "System.Security", "System.Xml", "System.Xml.Linq", "System.Data",
            "System.Runtime.Serialization", "System.Configuration", "System.Numerics", "System.Net.Http",
            "System.IO.Compression", "System.Transactions", "System.Management", "System.ServiceProcess",
            "System.DirectoryServices", "System.Web", "System.Web.Extensions", "Microsoft.CSharp", "System.Drawing",
        };

        private static readonly HashSet<string> FrameworkTokens = new HashSet<string>(StringComparer.Ordinal)
        {
            "b77a5c561934e089", "b03f5f7f11d50a3a", MicrosoftToken,
        };

        private readonly ITestOutputHelper output;

        public AssemblyIdentityTests(ITestOutputHelper output)
        {
            this.output = output;
        }

        [Fact]
        public void StandInNet472CarriesMimsIdentity()
        {
            string path = RepoPaths.BuiltDll("Microsoft.MetadirectoryServicesEx", "net472", StandInName);
            Assert.True(File.Exists(path), "The net472 stand-in is not built: " + path);
            using (PEReader pe = new PEReader(File.OpenRead(path)))
            {
                MetadataReader md = pe.GetMetadataReader();
                AssemblyDefinition definition = md.GetAssemblyDefinition();
                Assert.Equal(StandInName, md.GetString(definition.Name));
                Assert.Equal(new Version(4, 1, 4, 0), definition.Version);
                Assert.Equal(string.Empty, md.GetString(definition.Culture));
                Assert.True((definition.Flags & AssemblyFlags.PublicKey) != 0, "The stand-in carries no public key");
                byte[] publicKey = md.GetBlobBytes(definition.PublicKey);
                Assert.Equal(MicrosoftToken, Token(publicKey));
                Assert.Equal(File.ReadAllBytes(KeyFile), publicKey);
                Assert.Contains(md.AssemblyReferences, h => md.GetString(md.GetAssemblyReference(h).Name) == "mscorlib");
            }
        }

        [Fact]
        public void StandInNet472ExposesTheSameSurfaceAsTheNet10BuildTheReflectionTestsSee()
        {
            string net472 = RepoPaths.BuiltDll("Microsoft.MetadirectoryServicesEx", "net472", StandInName);
            string net10 = typeof(Microsoft.MetadirectoryServices.MACapabilities).Assembly.Location;
            SortedSet<string> framework = MetadataSurface.Read(net472);
            SortedSet<string> core = MetadataSurface.Read(net10);
            Assert.True(core.Count > 1000, "Only " + core.Count + " surface entries read from " + net10);
            List<string> differences = framework.Except(core).Select(s => "net472 only: " + s).Concat(core.Except(framework).Select(s => "net10.0 only: " + s)).ToList();
            Assert.True(differences.Count == 0, "The two builds of the stand-in differ:\n" + string.Join("\n", differences));
        }

        [Fact]
        public void BridgeNet472ReferencesTheStandInIdentityAndOnlyTheFramework()
        {
            string path = RepoPaths.BuiltDll("MimGraph.Bridge", "net472", "MimGraph.Bridge");
            Assert.True(File.Exists(path), "The net472 bridge is not built (" + RepoPaths.Configuration + "): " + path);
            List<string> unexpected = new List<string>();
            bool referencesStandIn = false;
            using (PEReader pe = new PEReader(File.OpenRead(path)))
            {
                MetadataReader md = pe.GetMetadataReader();
                foreach (AssemblyReferenceHandle handle in md.AssemblyReferences)
                {
                    AssemblyReference reference = md.GetAssemblyReference(handle);
                    string name = md.GetString(reference.Name);
                    byte[] keyOrToken = md.GetBlobBytes(reference.PublicKeyOrToken);
                    string token = (reference.Flags & AssemblyFlags.PublicKey) != 0 ? Token(keyOrToken) : Convert.ToHexString(keyOrToken).ToLowerInvariant();
                    output.WriteLine("{0}, Version={1}, PublicKeyToken={2}", name, reference.Version, token);
                    if (name == StandInName)
                    {
                        referencesStandIn = true;
                        Assert.Equal(new Version(4, 1, 4, 0), reference.Version);
                        Assert.Equal(MicrosoftToken, token);
                        Assert.Equal(string.Empty, md.GetString(reference.Culture));
                    }
                    else if (!FrameworkAssemblies.Contains(name) || !FrameworkTokens.Contains(token) || reference.Version.Major != 4 && reference.Version.Major != 2)
                    {
                        unexpected.Add(name + ", Version=" + reference.Version + ", PublicKeyToken=" + token);
                    }
                }
            }

            Assert.True(referencesStandIn, "The net472 bridge has no AssemblyReference to " + StandInName + " (it uses none of its types yet)");
            Assert.True(unexpected.Count == 0, "The net472 bridge references assemblies that are not part of the .NET Framework:\n" + string.Join("\n", unexpected));
        }

        [Fact]
        public void StandInIsNotCopiedNextToTheNet472Bridge()
        {
            string folder = Path.GetDirectoryName(RepoPaths.BuiltDll("MimGraph.Bridge", "net472", "MimGraph.Bridge"));
            Assert.True(Directory.Exists(folder), "The net472 bridge is not built: " + folder);
            Assert.False(File.Exists(Path.Combine(folder, StandInName + ".dll")), "The stand-in must never ship: it was copied to " + folder);
        }

        [Fact]
        public void KeyFileIsThePublicKeyOfTheReferenceDataAnnotationsAssembly()
        {
            string runtime = Path.GetDirectoryName(typeof(object).Assembly.Location);
            string dataAnnotations = Path.Combine(runtime, "System.ComponentModel.DataAnnotations.dll");
            Assert.True(File.Exists(dataAnnotations), "No System.ComponentModel.DataAnnotations.dll in " + runtime);
            using (PEReader pe = new PEReader(File.OpenRead(dataAnnotations)))
            {
                MetadataReader md = pe.GetMetadataReader();
                AssemblyDefinition definition = md.GetAssemblyDefinition();
                byte[] publicKey = md.GetBlobBytes(definition.PublicKey);
                Assert.Equal(MicrosoftToken, Token(publicKey));
                Assert.Equal(publicKey, File.ReadAllBytes(KeyFile));
            }

            Assert.Equal(MicrosoftToken, Convert.ToHexString(typeof(Microsoft.MetadirectoryServices.MACapabilities).Assembly.GetName().GetPublicKeyToken()).ToLowerInvariant());
        }

        [Fact]
        public void TokenIsTheReversedTailOfTheSha1()
        {
            byte[] key = File.ReadAllBytes(KeyFile);
            Assert.Equal(160, key.Length);
            AssemblyName name = new AssemblyName("x");
            name.SetPublicKey(key);
            Assert.Equal(Convert.ToHexString(name.GetPublicKeyToken()).ToLowerInvariant(), Token(key));
        }

        private static string KeyFile
        {
            get { return Path.Combine(RepoPaths.HostBridge, "keys", "microsoft-" + MicrosoftToken + ".snk"); }
        }

        private static string Token(byte[] publicKey)
        {
            byte[] hash = SHA1.HashData(publicKey);
            byte[] token = hash.Skip(hash.Length - 8).Reverse().ToArray();
            return Convert.ToHexString(token).ToLowerInvariant();
        }
    }
}
