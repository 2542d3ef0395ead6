using System;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MimGraph.Bridge.Hosting;
using MimGraph.Bridge.Protocol;
using Xunit;

namespace MimGraph.Bridge.Tests.Signing
{
    /// <summary>
    /// A certificate in a real X509Store (My of CurrentUser, which .NET keeps on Linux too): the signer finds it
    /// by thumbprint and signs with its private key; the signatures verify with the certificate's public key.
    /// </summary>
    public sealed class CertificateStoreSignerTests : IDisposable
    {
        private readonly StoreCertificates _store = new StoreCertificates();
        private readonly CertificateStoreSigner _signer = new CertificateStoreSigner(StoreLocation.CurrentUser);

        public void Dispose() => _store.Dispose();

        private static JsonObject Params(params (string Key, object Value)[] fields)
        {
            var o = new JsonObject();
            foreach (var (k, v) in fields) o[k] = v;
            return o;
        }

        private static readonly byte[] SigningInput = Encoding.ASCII.GetBytes(
            "eyJhbGciOiJQUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJodHRwczovL2xvZ2luIiwiaXNzIjoieCJ9");

        [Fact]
        public void HandlesCertificateAndSignOnly()
        {
            Assert.True(_signer.Handles("certificate"));
            Assert.True(_signer.Handles("sign"));
            Assert.False(_signer.Handles("Sign"));
            Assert.False(_signer.Handles("getSchema"));
            Assert.Equal("CurrentUser\\My", _signer.StoreName);
        }

        [Fact]
        public void TheSettingsChooseTheStoreLocation()
        {
            Assert.Equal("LocalMachine\\My", CertificateStoreSigner.ForSettings(new BridgeSettings()).StoreName);
            Assert.Equal("CurrentUser\\My", CertificateStoreSigner.ForSettings(new BridgeSettings { CertificateStoreLocation = "CurrentUser" }).StoreName);
        }

        [Fact]
        public void AnswersTheCertificateWithItsDerAndEndOfValidity()
        {
            using var rsa = RSA.Create(2048);
            var cert = _store.AddSelfSigned(rsa, "CN=mimgraph-signer-cert");
            var r = _signer.Handle("certificate", Params(("thumbprint", cert.Thumbprint)));
            Assert.Equal(new[] { "der", "notAfter" }, new System.Collections.Generic.List<string>(r.Keys).ToArray());
            Assert.Equal(cert.RawData, Convert.FromBase64String(r.RequireString("der")));
            Assert.Equal(cert.NotAfter.ToUniversalTime().ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'Z'"), r.RequireString("notAfter"));
            // Nothing of the private key in the answer.
            string json = Json.Write(r);
            Assert.DoesNotContain("PRIVATE", json);
            Assert.Equal(2, r.Count);
        }

        [Fact]
        public void SignsPs256ThatVerifiesWithThePublicKey()
        {
            using var rsa = RSA.Create(2048);
            var cert = _store.AddSelfSigned(rsa, "CN=mimgraph-signer-ps256");
            var r = _signer.Handle("sign", Params(("thumbprint", cert.Thumbprint), ("algorithm", "PS256"), ("data", Convert.ToBase64String(SigningInput))));
            byte[] signature = Convert.FromBase64String(r.RequireString("signature"));
            Assert.Equal(256, signature.Length);
            using var pub = cert.GetRSAPublicKey()!;
            Assert.True(pub.VerifyData(SigningInput, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss));
            Assert.False(pub.VerifyData(SigningInput, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
            // PSS is randomised: two signatures of the same bytes differ, both verify.
            var again = Convert.FromBase64String(_signer.Handle("sign", Params(("thumbprint", cert.Thumbprint), ("algorithm", "PS256"), ("data", Convert.ToBase64String(SigningInput)))).RequireString("signature"));
            Assert.NotEqual(signature, again);
            Assert.True(pub.VerifyData(SigningInput, again, HashAlgorithmName.SHA256, RSASignaturePadding.Pss));
        }

        [Fact]
        public void SignsRs256ThatVerifiesWithThePublicKey()
        {
            using var rsa = RSA.Create(2048);
            var cert = _store.AddSelfSigned(rsa, "CN=mimgraph-signer-rs256");
            var r = _signer.Handle("sign", Params(("thumbprint", cert.Thumbprint), ("algorithm", "RS256"), ("data", Convert.ToBase64String(SigningInput))));
            byte[] signature = Convert.FromBase64String(r.RequireString("signature"));
            using var pub = cert.GetRSAPublicKey()!;
            Assert.True(pub.VerifyData(SigningInput, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
            // PKCS#1 v1.5 is deterministic: the same as the key signs itself.
            Assert.Equal(rsa.SignData(SigningInput, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1), signature);
        }

        [Fact]
        public void TakesTheThumbprintAsWindowsShowsIt()
        {
            using var rsa = RSA.Create(2048);
            var cert = _store.AddSelfSigned(rsa, "CN=mimgraph-signer-thumb");
            var spaced = new StringBuilder("\u200e");
            for (int i = 0; i < cert.Thumbprint.Length; i += 2) spaced.Append(cert.Thumbprint.Substring(i, 2).ToLowerInvariant()).Append(' ');
            var r = _signer.Handle("certificate", Params(("thumbprint", spaced.ToString())));
            Assert.Equal(cert.RawData, Convert.FromBase64String(r.RequireString("der")));
            Assert.Equal(cert.Thumbprint, CertificateStoreSigner.NormaliseThumbprint(string.Join(":", SplitPairs(cert.Thumbprint))));
        }

        private static string[] SplitPairs(string hex)
        {
            var parts = new string[hex.Length / 2];
            for (int i = 0; i < parts.Length; i++) parts[i] = hex.Substring(2 * i, 2);
            return parts;
        }

        [Fact]
        public void ACertificateNotInTheStoreIsNamedWithThumbprintStoreAndHowToImportIt()
        {
            const string absent = "00112233445566778899AABBCCDDEEFF00112233";
            foreach (var method in new[] { "certificate", "sign" })
            {
                var e = Assert.Throws<ConnectorCallException>(() => _signer.Handle(method,
                    Params(("thumbprint", absent), ("algorithm", "PS256"), ("data", "AAEC"))));
                Assert.Equal("BadServerCredentials", e.MimError);
                Assert.Contains(absent, e.Message);
                Assert.Contains("CurrentUser\\My", e.Message);
                Assert.Contains("Import-PfxCertificate", e.Message);
                Assert.Contains("'Certificate thumbprint'", e.Message);
            }
        }

        [Theory]
        [InlineData("A909502DD82AE41433E6F83886B00D4277A32A7")]
        [InlineData("not a thumbprint")]
        [InlineData("")]
        [InlineData("A909502DD82AE41433E6F83886B00D4277A32A7BA909502DD82AE41433E6F838")]
        public void ABadThumbprintIsRefused(string thumbprint)
        {
            var e = Assert.Throws<ConnectorCallException>(() => _signer.Handle("certificate", Params(("thumbprint", thumbprint))));
            Assert.Equal("ExtensibleExtension", e.MimError);
            Assert.Contains("is not a SHA-1 certificate thumbprint (40 hexadecimal digits)", e.Message);
        }

        [Fact]
        public void MalformedParamsAreRefusedNamingTheField()
        {
            using var rsa = RSA.Create(2048);
            var cert = _store.AddSelfSigned(rsa, "CN=mimgraph-signer-params");
            var noThumb = Assert.Throws<ConnectorCallException>(() => _signer.Handle("certificate", new JsonObject()));
            Assert.Contains("\"thumbprint\" is missing", noThumb.Message);
            var alg = Assert.Throws<ConnectorCallException>(() => _signer.Handle("sign", Params(("thumbprint", cert.Thumbprint), ("algorithm", "ES256"), ("data", "AAEC"))));
            Assert.Contains("'ES256' is not PS256 or RS256", alg.Message);
            var data = Assert.Throws<ConnectorCallException>(() => _signer.Handle("sign", Params(("thumbprint", cert.Thumbprint), ("algorithm", "PS256"), ("data", "not base64!"))));
            Assert.Contains("params.data is not base64", data.Message);
            var type = Assert.Throws<ConnectorCallException>(() => _signer.Handle("sign", Params(("thumbprint", cert.Thumbprint), ("algorithm", "PS256"), ("data", 42L))));
            Assert.Contains("\"data\" must be a string", type.Message);
        }

        [Fact]
        public void ACertificateWithoutItsPrivateKeyIsRefused()
        {
            using var rsa = RSA.Create(2048);
            var cert = _store.AddPublicOnly(rsa, "CN=mimgraph-signer-nokey");
            // The certificate itself is there (its public part is all the worker needs to see) ...
            Assert.Equal(cert.RawData, Convert.FromBase64String(_signer.Handle("certificate", Params(("thumbprint", cert.Thumbprint))).RequireString("der")));
            // ... but nothing signs.
            var e = Assert.Throws<ConnectorCallException>(() => _signer.Handle("sign", Params(("thumbprint", cert.Thumbprint), ("algorithm", "PS256"), ("data", "AAEC"))));
            Assert.Equal("BadServerCredentials", e.MimError);
            Assert.Contains("has no private key on this server", e.Message);
            Assert.Contains(cert.Thumbprint, e.Message);
        }

        [Fact]
        public void AnEcdsaCertificateIsRefusedAsEntraSignsInWithRsaOnly()
        {
            using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var req = new CertificateRequest("CN=mimgraph-signer-ec", ec, HashAlgorithmName.SHA256);
            var cert = _store.Add(req.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(1)));
            var e = Assert.Throws<ConnectorCallException>(() => _signer.Handle("sign", Params(("thumbprint", cert.Thumbprint), ("algorithm", "PS256"), ("data", "AAEC"))));
            Assert.Equal("BadServerCredentials", e.MimError);
            Assert.Contains("has an ECDSA key, but Entra ID signs in apps with RSA certificates only", e.Message);
        }

        [Fact]
        public void ALocationWithoutAPersonalStoreIsNamed()
        {
            if (OperatingSystem.IsWindows()) return; // LocalMachine\My exists there
            // .NET on Linux has no LocalMachine\My: the store cannot be opened, and the answer says so.
            var signer = new CertificateStoreSigner(StoreLocation.LocalMachine);
            var e = Assert.Throws<ConnectorCallException>(() => signer.Handle("certificate", Params(("thumbprint", "00112233445566778899AABBCCDDEEFF00112233"))));
            Assert.Equal("BadServerCredentials", e.MimError);
            Assert.Contains("LocalMachine\\My", e.Message);
        }
    }

    /// <summary>Certificates added to My of CurrentUser for one test, removed again when it ends.</summary>
    internal sealed class StoreCertificates : IDisposable
    {
        private readonly System.Collections.Generic.List<X509Certificate2> _added = new System.Collections.Generic.List<X509Certificate2>();

        public X509Certificate2 AddSelfSigned(RSA rsa, string subject)
        {
            var req = new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            return Add(req.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(1)));
        }

        public X509Certificate2 AddPublicOnly(RSA rsa, string subject)
        {
            using var withKey = new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
                .CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(1));
            return Add(X509CertificateLoader.LoadCertificate(withKey.RawData));
        }

        /// <summary>Adds the certificate (with its private key when it has one, exported and re-imported as the store keeps it).</summary>
        public X509Certificate2 Add(X509Certificate2 cert)
        {
            X509Certificate2 stored = cert.HasPrivateKey
                ? X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12, "t"), "t", X509KeyStorageFlags.PersistKeySet | X509KeyStorageFlags.Exportable)
                : cert;
            using (var store = new X509Store(StoreName.My, StoreLocation.CurrentUser))
            {
                store.Open(OpenFlags.ReadWrite);
                store.Add(stored);
            }
            _added.Add(stored);
            return stored;
        }

        public void Dispose()
        {
            using (var store = new X509Store(StoreName.My, StoreLocation.CurrentUser))
            {
                store.Open(OpenFlags.ReadWrite);
                foreach (var c in _added)
                {
                    store.Remove(c);
                    c.Dispose();
                }
            }
            _added.Clear();
        }
    }
}
