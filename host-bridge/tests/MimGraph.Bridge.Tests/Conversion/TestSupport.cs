using System;
using System.Collections.Generic;
using System.Security;
using Microsoft.MetadirectoryServices;
using MimGraph.Bridge.Ecma;
using MimGraph.Bridge.Protocol;
using Xunit;

namespace MimGraph.Bridge.Tests.Conversion
{
    internal static class J
    {
        /// <summary>JSON with single quotes for readability ('x' → "x"); no apostrophes in the texts.</summary>
        public static JsonObject O(string json) => Json.ParseObject(json.Replace('\'', '"'));

        public static object? V(string json) => Json.Parse(json.Replace('\'', '"'));

        public static List<object?> A(string json) => (List<object?>)Json.Parse(json.Replace('\'', '"'))!;

        public static SecureString Secure(string s)
        {
            var ss = new SecureString();
            foreach (var c in s) ss.AppendChar(c);
            ss.MakeReadOnly();
            return ss;
        }

        public static ConnectorCallException UnexpectedData(Action a)
        {
            var e = Assert.Throws<ConnectorCallException>(a);
            Assert.Equal("UnexpectedData", e.MimError);
            return e;
        }

        public static ConfigParameterKeyedCollection Config(params ConfigParameter[] ps)
        {
            var c = new ConfigParameterKeyedCollection();
            foreach (var p in ps) c.Add(p);
            return c;
        }
    }

    /// <summary>An in-memory channel: answers scripted per method, records calls, disposal and cancels.</summary>
    internal sealed class FakeChannel : IConnectorChannel
    {
        public readonly List<(string Method, string Params)> Calls = new List<(string, string)>();
        public readonly List<string> Events = new List<string>();
        public readonly Dictionary<string, Func<JsonObject, JsonObject>> Answers = new Dictionary<string, Func<JsonObject, JsonObject>>();
        public bool Disposed;
        /// <summary>Several UI calls on one fake: a disposed fake still answers.</summary>
        public bool Reusable;
        public int Cancels;
        public string Purpose = "";

        public string ConnectorVersion => "0.0.0-test";

        public FakeChannel On(string method, Func<JsonObject, JsonObject> answer)
        {
            Answers[method] = answer;
            return this;
        }

        public FakeChannel On(string method, string answerJson) => On(method, _ => J.O(answerJson));

        public FakeChannel Fail(string method, string mimError, string message, JsonObject? detail = null)
            => On(method, _ => throw new ConnectorCallException(mimError, message, detail));

        public JsonObject Call(string method, JsonObject parameters)
        {
            if (Disposed && !Reusable) throw new ObjectDisposedException("FakeChannel");
            Calls.Add((method, Json.Write(parameters)));
            Events.Add("call:" + method);
            if (!Answers.TryGetValue(method, out var answer)) throw new ConnectorCallException("EntryPointNotImplemented", "no fake answer for " + method);
            return answer(parameters);
        }

        public void CancelPending()
        {
            Cancels++;
            Events.Add("cancel");
        }

        public void Dispose()
        {
            Disposed = true;
            Events.Add("dispose");
        }

        public JsonObject LastParams(string method)
        {
            for (int i = Calls.Count - 1; i >= 0; i--) if (Calls[i].Method == method) return Json.ParseObject(Calls[i].Params);
            throw new InvalidOperationException("no call of " + method);
        }
    }

    /// <summary>Installs a channel factory for the current test (AsyncLocal: invisible to other tests).</summary>
    internal sealed class FakeChannels : IDisposable
    {
        public readonly List<FakeChannel> Opened = new List<FakeChannel>();
        private readonly Func<FakeChannel> _make;

        public FakeChannels(Func<FakeChannel> make)
        {
            _make = make;
            ChannelFactory.ChannelFactoryOverride = purpose =>
            {
                var c = _make();
                c.Purpose = purpose;
                Opened.Add(c);
                return c;
            };
        }

        public FakeChannels(FakeChannel single) : this(() => single) { }

        public void Dispose() => ChannelFactory.ChannelFactoryOverride = null;
    }
}
