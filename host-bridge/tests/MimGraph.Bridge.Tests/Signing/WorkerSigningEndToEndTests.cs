using System;
using System.Diagnostics;
using System.IO;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MimGraph.Bridge.Hosting;
using MimGraph.Bridge.Protocol;
using MimGraph.Bridge.Tests.Channel;
using Xunit;

namespace MimGraph.Bridge.Tests.Signing
{
    /// <summary>
    /// CertificateStore end to end: the real worker (node dist/connector/worker/main.js) behind a WorkerChannel
    /// whose CertificateStoreSigner holds the certificate in My of CurrentUser, against the Graph emulator (a
    /// child process with the app and its certificate loaded from a tenant file). The Connectivity page's check
    /// makes the worker ask the bridge for the certificate and a signature of the client assertion it built.
    /// </summary>
    [Collection(ChannelCollection.Name)]
    public sealed class WorkerSigningEndToEndTests : IDisposable
    {
        private readonly StoreCertificates _store = new StoreCertificates();
        private readonly string _dir = ChannelTestSupport.NewTempFolder("mimgraph-signing");
        private readonly string _tenantId = Guid.NewGuid().ToString();
        private readonly string _clientId = Guid.NewGuid().ToString();
        private readonly StringBuilder _emulatorErr = new StringBuilder();
        private Process? _emulator;

        public void Dispose()
        {
            try
            {
                if (_emulator != null && !_emulator.HasExited)
                {
                    _emulator.Kill(true);
                    _emulator.WaitForExit(5000);
                }
            }
            catch (InvalidOperationException)
            {
            }
            _emulator?.Dispose();
            _store.Dispose();
            try
            {
                Directory.Delete(_dir, true);
            }
            catch (IOException)
            {
            }
        }

        /// <summary>Starts the emulator with one app whose only credential is <paramref name="certPem"/>; returns its base URL and CA file.</summary>
        private (string BaseUrl, string CaFile) StartEmulator(string certPem)
        {
            File.WriteAllText(Path.Combine(_dir, "app.pem"), certPem);
            var tenant = new JsonObject
            {
                ["tenantId"] = _tenantId,
                ["domains"] = new System.Collections.Generic.List<object?> { "mimgraph-signing.onmicrosoft.com" },
                ["apps"] = new System.Collections.Generic.List<object?>
                {
                    new JsonObject { ["clientId"] = _clientId, ["certificates"] = new System.Collections.Generic.List<object?> { "file:app.pem" }, ["roles"] = "all" },
                },
            };
            var tenantFile = Path.Combine(_dir, "tenant.json");
            File.WriteAllText(tenantFile, Json.Write(tenant));
            var caFile = Path.Combine(_dir, "ca.pem");
            var psi = new ProcessStartInfo
            {
                FileName = BridgeSettings.DefaultNodePath(),
                WorkingDirectory = ChannelTestSupport.Repo,
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var a in new[]
            {
                Path.Combine(ChannelTestSupport.Repo, "dist", "connector", "cli", "main.js"), "emulator",
                "--port", "0", "--ca-out", caFile, "--tenant-id", _tenantId, "--tenant", tenantFile,
            })
                psi.ArgumentList.Add(a);
            _emulator = Process.Start(psi) ?? throw new InvalidOperationException("the emulator did not start");
            _emulator.ErrorDataReceived += (_, e) =>
            {
                if (e.Data != null) lock (_emulatorErr) _emulatorErr.AppendLine(e.Data);
            };
            _emulator.BeginErrorReadLine();
            var line = _emulator.StandardOutput.ReadLineAsync();
            Assert.True(line.Wait(TimeSpan.FromSeconds(60)) && line.Result != null, "the emulator printed no base URL: " + EmulatorErr);
            var baseUrl = line.Result!.Trim();
            Assert.True(baseUrl.StartsWith("https://", StringComparison.Ordinal) && File.Exists(caFile), "unexpected emulator output '" + baseUrl + "': " + EmulatorErr);
            return (baseUrl, caFile);
        }

        private string EmulatorErr
        {
            get { lock (_emulatorErr) return _emulatorErr.ToString(); }
        }

        private JsonObject Connectivity(string baseUrl, string caFile, string thumbprint)
        {
            JsonObject V(string value) => new JsonObject { ["value"] = value };
            return new JsonObject
            {
                ["config"] = new JsonObject
                {
                    ["Tenant"] = V(_tenantId),
                    ["Client ID"] = V(_clientId),
                    ["Authentication type"] = V("CertificateStore"),
                    ["Certificate thumbprint"] = V(thumbprint),
                    ["Cloud"] = V("custom"),
                    ["Login endpoint"] = V(baseUrl),
                    ["Graph endpoint"] = V(baseUrl),
                    ["CA file"] = V(caFile),
                },
                ["page"] = "Connectivity",
                ["pageNumber"] = 1L,
            };
        }

        [Fact]
        public void TheConnectivityPageSignsInWithTheStoreCertificateThroughTheBridge()
        {
            using var rsa = RSA.Create(2048);
            var cert = _store.AddSelfSigned(rsa, "CN=mimgraph-signing-e2e");
            var (baseUrl, caFile) = StartEmulator(cert.ExportCertificatePem());

            var signer = new CertificateStoreSigner(StoreLocation.CurrentUser);
            var counting = new CountingHandler(signer);
            using var channel = WorkerChannel.Start(ChannelTestSupport.RealWorker(), "signing test", new IWorkerRequestHandler[] { counting });

            // As Windows shows the thumbprint: lower case, spaced.
            var shown = new StringBuilder();
            for (int i = 0; i < cert.Thumbprint.Length; i += 2) shown.Append(cert.Thumbprint.Substring(i, 2).ToLowerInvariant()).Append(' ');
            var ok = channel.Call("validateConfigParameters", Connectivity(baseUrl, caFile, shown.ToString()));
            Assert.True("Success" == ok.Str("code"), "validation failed: " + Json.Write(ok) + Environment.NewLine + EmulatorErr);
            Assert.Equal(1, counting.Count("certificate"));
            Assert.Equal(1, counting.Count("sign"));

            // A certificate the store does not hold: the page names the thumbprint parameter, with the bridge's words.
            var absent = channel.Call("validateConfigParameters", Connectivity(baseUrl, caFile, "00112233445566778899AABBCCDDEEFF00112233"));
            Assert.Equal("Failure", absent.Str("code"));
            Assert.Equal("Certificate thumbprint", absent.Str("errorParameter"));
            Assert.Contains("no certificate with thumbprint 00112233445566778899AABBCCDDEEFF00112233 in the CurrentUser\\My certificate store", absent.Str("errorMessage"));
        }

        /// <summary>Counts the worker's requests per method and passes them on.</summary>
        private sealed class CountingHandler : IWorkerRequestHandler
        {
            private readonly IWorkerRequestHandler _inner;
            private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _counts = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();

            public CountingHandler(IWorkerRequestHandler inner)
            {
                _inner = inner;
            }

            public int Count(string method) => _counts.TryGetValue(method, out var n) ? n : 0;

            public bool Handles(string method) => _inner.Handles(method);

            public JsonObject Handle(string method, JsonObject parameters)
            {
                _counts.AddOrUpdate(method, 1, (_, n) => n + 1);
                return _inner.Handle(method, parameters);
            }
        }
    }
}
