using System;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MimGraph.Bridge.Protocol;

namespace MimGraph.Bridge.Hosting
{
    /// <summary>
    /// Answers the worker's <c>certificate</c> and <c>sign</c> requests (schemas/bridge-protocol.schema.json)
    /// from the Windows certificate store (My of LocalMachine by default, BridgeSettings.certificateStoreLocation):
    /// the certificate is found by its SHA-1 thumbprint, and its private key — possibly non-exportable — signs
    /// the bytes the worker sends (the client assertion the worker built). The key never leaves the store; nothing
    /// of it is logged or answered. Entra ID signs in apps with RSA certificates only: other keys are refused.
    /// </summary>
    internal sealed class CertificateStoreSigner : IWorkerRequestHandler
    {
        public const string CertificateMethod = "certificate";
        public const string SignMethod = "sign";

        /// <summary>Longest data accepted for signing (a JWT header and payload are a few hundred bytes).</summary>
        private const int MaxDataBytes = 48 * 1024;

        private readonly StoreLocation _location;

        public CertificateStoreSigner(StoreLocation location)
        {
            _location = location;
        }

        /// <summary>
        /// The signer for the bridge's settings (certificateStoreLocation: LocalMachine, the default, or CurrentUser),
        /// to hand to <see cref="Channels.Open(BridgeSettings, string, System.Collections.Generic.IEnumerable{IWorkerRequestHandler})"/>.
        /// </summary>
        public static CertificateStoreSigner ForSettings(BridgeSettings settings) =>
            new CertificateStoreSigner(string.Equals(settings?.CertificateStoreLocation, "CurrentUser", StringComparison.OrdinalIgnoreCase)
                ? StoreLocation.CurrentUser
                : StoreLocation.LocalMachine);

        /// <summary>The store as Windows names it, e.g. LocalMachine\My.</summary>
        public string StoreName => _location.ToString() + "\\My";

        public bool Handles(string method) =>
            string.Equals(method, CertificateMethod, StringComparison.Ordinal)
            || string.Equals(method, SignMethod, StringComparison.Ordinal);

        public JsonObject Handle(string method, JsonObject parameters)
        {
            if (parameters == null) throw Invalid("no params");
            string thumbprint = NormaliseThumbprint(Field(parameters, "thumbprint"));
            if (string.Equals(method, CertificateMethod, StringComparison.Ordinal)) return Certificate(thumbprint);
            if (string.Equals(method, SignMethod, StringComparison.Ordinal))
            {
                string algorithm = Field(parameters, "algorithm");
                byte[] data;
                try
                {
                    data = Convert.FromBase64String(Field(parameters, "data"));
                }
                catch (FormatException)
                {
                    throw Invalid("params.data is not base64");
                }
                if (data.Length > MaxDataBytes) throw Invalid("params.data is longer than " + MaxDataBytes.ToString(CultureInfo.InvariantCulture) + " bytes");
                return Sign(thumbprint, algorithm, data);
            }
            throw new ConnectorCallException("EntryPointNotImplemented", "the bridge's certificate store does not answer '" + method + "'");
        }

        /// <summary>
        /// Upper-case hex without separators: Windows shows thumbprints with spaces (and the certificate dialog
        /// copies an invisible left-to-right mark in front); colons and dashes are tolerated too.
        /// </summary>
        public static string NormaliseThumbprint(string text)
        {
            var sb = new StringBuilder(40);
            foreach (char c in text ?? "")
            {
                if (char.IsWhiteSpace(c) || c == ':' || c == '-' || c == '\u200e' || c == '\u200f' || c == '\ufeff'
                    || (c >= '\u202a' && c <= '\u202e')) continue;
                sb.Append(char.ToUpperInvariant(c));
            }
            string t = sb.ToString();
            bool hex = t.Length == 40;
            foreach (char c in t) hex &= (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
            if (!hex)
            {
                throw new ConnectorCallException("ExtensibleExtension",
                    "'" + text + "' is not a SHA-1 certificate thumbprint (40 hexadecimal digits); enter the thumbprint Windows shows under the certificate's Details → Thumbprint in the MA's 'Certificate thumbprint'");
            }
            return t;
        }

        private JsonObject Certificate(string thumbprint)
        {
            using (var cert = Find(thumbprint))
            {
                return new JsonObject
                {
                    ["der"] = Convert.ToBase64String(cert.RawData),
                    ["notAfter"] = cert.NotAfter.ToUniversalTime().ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'Z'", CultureInfo.InvariantCulture),
                };
            }
        }

        private JsonObject Sign(string thumbprint, string algorithm, byte[] data)
        {
            RSASignaturePadding padding;
            if (string.Equals(algorithm, "PS256", StringComparison.Ordinal)) padding = RSASignaturePadding.Pss;
            else if (string.Equals(algorithm, "RS256", StringComparison.Ordinal)) padding = RSASignaturePadding.Pkcs1;
            else throw Invalid("params.algorithm '" + algorithm + "' is not PS256 or RS256");

            using (var cert = Find(thumbprint))
            {
                if (!cert.HasPrivateKey)
                {
                    throw new ConnectorCallException("BadServerCredentials",
                        "the certificate " + thumbprint + " in " + StoreName + " has no private key on this server; import it from a PFX "
                        + "file that holds its private key (Import-PfxCertificate -CertStoreLocation Cert:\\" + StoreName + ")");
                }
                RSA? rsa;
                try
                {
                    rsa = cert.GetRSAPrivateKey();
                }
                catch (CryptographicException e)
                {
                    throw NoAccess(thumbprint, e);
                }
                if (rsa == null) throw NotRsa(thumbprint, cert);
                using (rsa)
                {
                    byte[] signature;
                    try
                    {
                        signature = rsa.SignData(data, HashAlgorithmName.SHA256, padding);
                    }
                    catch (CryptographicException e)
                    {
                        // A key kept by a legacy CryptoAPI provider signs neither PSS nor (in an old provider) SHA-256;
                        // CNG opens the same key container and signs both.
                        signature = SignThroughCng(rsa, data, padding) ?? throw NoAccess(thumbprint, e);
                    }
                    return new JsonObject { ["signature"] = Convert.ToBase64String(signature) };
                }
            }
        }

        /// <summary>The certificate with this thumbprint (the caller disposes it); ConnectorCallException when absent.</summary>
        private X509Certificate2 Find(string thumbprint)
        {
            X509Store store;
            try
            {
                store = new X509Store(System.Security.Cryptography.X509Certificates.StoreName.My, _location);
                store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
            }
            catch (Exception e) when (e is CryptographicException || e is PlatformNotSupportedException || e is UnauthorizedAccessException || e is System.Security.SecurityException)
            {
                throw new ConnectorCallException("BadServerCredentials",
                    "the certificate store " + StoreName + " cannot be opened: " + e.Message + NotFoundHint(thumbprint), null, e);
            }
            try
            {
                X509Certificate2Collection found = store.Certificates.Find(X509FindType.FindByThumbprint, thumbprint, false);
                X509Certificate2? match = null;
                foreach (X509Certificate2 c in found)
                {
                    if (match == null && string.Equals(c.Thumbprint, thumbprint, StringComparison.OrdinalIgnoreCase)) match = c;
                    else c.Dispose();
                }
                if (match == null)
                {
                    throw new ConnectorCallException("BadServerCredentials",
                        "no certificate with thumbprint " + thumbprint + " in the " + StoreName + " certificate store of this server" + NotFoundHint(thumbprint));
                }
                return match;
            }
            finally
            {
#if NETFRAMEWORK
                store.Close();
#else
                store.Dispose();
#endif
            }
        }

        private string NotFoundHint(string thumbprint) =>
            "; import the certificate with its private key into " + StoreName + " (certlm.msc → Personal → All Tasks → Import, or "
            + "Import-PfxCertificate -CertStoreLocation Cert:\\" + StoreName + "), register it on the app registration, and check "
            + "'Certificate thumbprint' (" + thumbprint + ")";

        private ConnectorCallException NoAccess(string thumbprint, CryptographicException e) =>
            new ConnectorCallException("BadServerCredentials",
                "the private key of the certificate " + thumbprint + " in " + StoreName + " cannot be used by "
                + Account() + ": " + e.Message.Trim() + "; grant the MIM Synchronization service account read access to the key "
                + "(certlm.msc → the certificate → All Tasks → Manage Private Keys…)", null, e);

        private ConnectorCallException NotRsa(string thumbprint, X509Certificate2 cert)
        {
            string oid = cert.PublicKey.Oid?.Value ?? "";
            string kind = oid == "1.2.840.10045.2.1" ? "an ECDSA" : oid == "1.2.840.10040.4.1" ? "a DSA" : "a non-RSA (" + oid + ")";
            return new ConnectorCallException("BadServerCredentials",
                "the certificate " + thumbprint + " in " + StoreName + " has " + kind + " key, but Entra ID signs in apps with RSA "
                + "certificates only; create an RSA certificate (2048 bits or more), register it on the app and enter its thumbprint");
        }

        private static string Account()
        {
            try
            {
                string domain = Environment.UserDomainName;
                return string.IsNullOrEmpty(domain) ? Environment.UserName : domain + "\\" + Environment.UserName;
            }
            catch (Exception)
            {
                return "this account";
            }
        }

        private static ConnectorCallException Invalid(string what) =>
            new ConnectorCallException("ExtensibleExtension", "the worker's request to the certificate store is invalid: " + what);

        private static string Field(JsonObject parameters, string key)
        {
            try
            {
                return parameters.RequireString(key);
            }
            catch (ProtocolException e)
            {
                throw Invalid("params: " + e.Message);
            }
        }

        /// <summary>
        /// A key of a legacy CryptoAPI provider (RSACryptoServiceProvider: PKCS#1 v1.5 only, and no SHA-256 in the
        /// oldest providers): the same key container opened through CNG's software key storage provider, which
        /// reads CryptoAPI keys too. Null when the key is not such a key or CNG cannot open it.
        /// </summary>
        private static byte[]? SignThroughCng(RSA rsa, byte[] data, RSASignaturePadding padding)
        {
#if NETFRAMEWORK
            return SignThroughCngOnWindows(rsa, data, padding);
#else
            return OperatingSystem.IsWindows() ? SignThroughCngOnWindows(rsa, data, padding) : null;
#endif
        }

#if !NETFRAMEWORK
        [System.Runtime.Versioning.SupportedOSPlatform("windows")]
#endif
        private static byte[]? SignThroughCngOnWindows(RSA rsa, byte[] data, RSASignaturePadding padding)
        {
            if (!(rsa is RSACryptoServiceProvider csp)) return null;
            try
            {
                CspKeyContainerInfo info = csp.CspKeyContainerInfo;
                string? container = info.KeyContainerName;
                if (string.IsNullOrEmpty(container)) return null;
                var options = info.MachineKeyStore ? CngKeyOpenOptions.MachineKey : CngKeyOpenOptions.None;
                using (var key = CngKey.Open(container!, CngProvider.MicrosoftSoftwareKeyStorageProvider, options))
                using (var cng = new RSACng(key))
                {
                    return cng.SignData(data, HashAlgorithmName.SHA256, padding);
                }
            }
            catch (CryptographicException)
            {
                return null;
            }
        }
    }
}
