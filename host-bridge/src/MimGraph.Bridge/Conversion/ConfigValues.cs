using System;
using System.Collections.ObjectModel;
using Microsoft.MetadirectoryServices;
using MimGraph.Bridge.Protocol;

namespace MimGraph.Bridge.Conversion
{
    /// <summary>
    /// MIM's parameter values → the protocol's configValues: <c>{"name":{"value":"..","encrypted":true}}</c>.
    /// Encrypted values are read through <see cref="ConfigParameter.SecureValue"/> (ECMA2) and travel in
    /// memory only; they are never logged and never appear in a message of the bridge's own.
    /// </summary>
    internal static class ConfigValues
    {
        public static JsonObject ToJson(KeyedCollection<string, ConfigParameter>? parameters)
        {
            var o = new JsonObject(parameters?.Count ?? 0);
            if (parameters == null) return o;
            foreach (var p in parameters)
            {
                if (p == null || p.Name == null) continue;
                var entry = new JsonObject(2);
                if (p.IsEncrypted)
                {
                    entry.Add("value", ReadEncrypted(p));
                    entry.Add("encrypted", true);
                }
                else
                {
                    entry.Add("value", p.Value ?? string.Empty);
                }
                o[p.Name] = entry;
            }
            return o;
        }

        /// <summary>The value of a plain (not encrypted) parameter; null when absent or encrypted.</summary>
        public static string? PlainValue(KeyedCollection<string, ConfigParameter>? parameters, string name)
        {
            if (parameters == null || !parameters.Contains(name)) return null;
            var p = parameters[name];
            if (p == null || p.IsEncrypted) return null;
            return p.Value;
        }

        private static string ReadEncrypted(ConfigParameter p)
        {
            try
            {
                return Secrets.ToPlainText(p.SecureValue);
            }
            catch (InvalidOperationException)
            {
                // An ECMA1-style encrypted value held as a string: SecureValue refuses it, Value gives it.
                return p.Value ?? string.Empty;
            }
        }
    }
}
