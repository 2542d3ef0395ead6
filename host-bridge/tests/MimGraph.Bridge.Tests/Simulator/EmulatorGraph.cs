using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MimGraph.Bridge.Tests.Simulator
{
    /// <summary>
    /// Changes "in Entra" and checks of its state: straight Graph calls over HTTPS with a token of the
    /// test app, trusting only the emulator's CA. Shares nothing with the connector.
    /// </summary>
    public sealed class EmulatorGraph : IDisposable
    {
        private readonly HttpClient http;
        private readonly string baseUrl;
        private readonly string tenantId;
        private readonly string clientId;
        private readonly string secret;
        private readonly X509Certificate2 ca;
        private string? token;

        public EmulatorGraph(string baseUrl, string caFile, string tenantId, string clientId, string secret)
        {
            this.baseUrl = baseUrl.TrimEnd('/');
            this.tenantId = tenantId;
            this.clientId = clientId;
            this.secret = secret;
            ca = X509Certificate2.CreateFromPem(File.ReadAllText(caFile));
            var handler = new SocketsHttpHandler();
            handler.SslOptions.RemoteCertificateValidationCallback = Validate;
            http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        }

        private bool Validate(object sender, X509Certificate? certificate, X509Chain? _, SslPolicyErrors errors)
        {
            if (certificate == null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            using var leaf = new X509Certificate2(certificate);
            return chain.Build(leaf);
        }

        public string BaseUrl => baseUrl;

        private string Token()
        {
            if (token != null) return token;
            var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["client_id"] = clientId,
                ["client_secret"] = secret,
                ["scope"] = "00000003-0000-0000-c000-000000000000/.default",
            });
            var r = http.PostAsync($"{baseUrl}/{tenantId}/oauth2/v2.0/token", form).GetAwaiter().GetResult();
            var body = r.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            if (!r.IsSuccessStatusCode) throw new InvalidOperationException($"token request failed: {(int)r.StatusCode} {body}");
            token = JsonNode.Parse(body)!["access_token"]!.GetValue<string>();
            return token;
        }

        /// <summary>A Graph v1.0 call; returns the status and the parsed body (null when empty).</summary>
        public (HttpStatusCode Status, JsonNode? Body) Call(string method, string path, object? body = null)
        {
            using var req = new HttpRequestMessage(new HttpMethod(method), $"{baseUrl}/v1.0{path}");
            req.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token());
            if (body != null) req.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
            using var r = http.Send(req);
            var text = r.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            return (r.StatusCode, string.IsNullOrWhiteSpace(text) ? null : JsonNode.Parse(text));
        }

        /// <summary>A Graph call that must succeed.</summary>
        public JsonNode? Must(string method, string path, object? body = null)
        {
            var (status, answer) = Call(method, path, body);
            if ((int)status >= 300) throw new InvalidOperationException($"{method} {path}: {(int)status} {answer?.ToJsonString()}");
            return answer;
        }

        /// <summary>A reference body for members/$ref or manager/$ref.</summary>
        public object Ref(string id) => new Dictionary<string, string> { ["@odata.id"] = $"{baseUrl}/v1.0/directoryObjects/{id}" };

        /// <summary>The directory as stored (admin endpoint, no token): active objects with their relations.</summary>
        public List<JsonObject> Objects(string type)
        {
            using var r = http.GetAsync($"{baseUrl}/_emulator/objects?type={type}").GetAwaiter().GetResult();
            var text = r.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            if (!r.IsSuccessStatusCode) throw new InvalidOperationException($"admin objects {type}: {(int)r.StatusCode} {text}");
            return JsonNode.Parse(text)!.AsArray().Select(n => n!.AsObject()).ToList();
        }

        /// <summary>PATCH /_emulator/config (faults, behaviour).</summary>
        public void Configure(object patch)
        {
            using var content = new StringContent(JsonSerializer.Serialize(patch), Encoding.UTF8, "application/json");
            using var req = new HttpRequestMessage(HttpMethod.Patch, $"{baseUrl}/_emulator/config") { Content = content };
            using var r = http.Send(req);
            if (!r.IsSuccessStatusCode)
                throw new InvalidOperationException($"admin config: {(int)r.StatusCode} {r.Content.ReadAsStringAsync().GetAwaiter().GetResult()}");
        }

        public void Dispose()
        {
            http.Dispose();
            ca.Dispose();
        }
    }

    internal static class JsonExtensions
    {
        public static string? Str(this JsonObject o, string name) =>
            o.TryGetPropertyValue(name, out var v) && v is JsonValue jv && jv.TryGetValue<string>(out var s) ? s : null;

        public static List<string> Strings(this JsonObject o, string name) =>
            o.TryGetPropertyValue(name, out var v) && v is JsonArray a ? a.Select(x => x!.GetValue<string>()).ToList() : new List<string>();
    }
}
