using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.MetadirectoryServices;
using MimGraph.Bridge.Hosting;

namespace MimGraph.Bridge.Simulator
{
    /// <summary>
    /// The entry point of the edge-js suite (test/bridge/edge.test.ts): Node loads this assembly into its process
    /// (edge-js, CoreCLR) and calls <see cref="Invoke"/> with the connector's Edge dispatcher, a JavaScript function
    /// that arrives here as <c>Func&lt;object, Task&lt;object&gt;&gt;</c>, the very delegate shape the bridge gets from
    /// EdgeJs's <c>Edge.Func</c> on Windows. It points the bridge's edge channel at that function and drives the
    /// bridge's public ECMA2 classes through MIM's interfaces (<see cref="MimSyncSimulator"/>): the designer, then the
    /// steps asked for. Test-only; never shipped.
    /// <para>
    /// Input: <c>{ dispatch, config: {name: value}, secrets?: [names], dataFolder, connectorFolder?, steps?: [...] }</c>
    /// (no dispatch: the channel loads EdgeJs from connectorFolder, as on Windows); a step is
    /// <c>"full"</c>, <c>"delta"</c>, <c>{ export: [change, ...], batchSize? }</c> or <c>{ js: function }</c> (awaited: the
    /// test changes the directory between steps). A change is <c>{ modification: "Add"|"Update"|"Delete", objectType,
    /// dn, attributes?: [{ name, op: "set"|"clear"|"add"|"remove", values?: [...] }] }</c>; Update and Delete name a
    /// connector-space object by DN. Default steps: full, delta. Output: the summary of each step (counts by object
    /// type and modification, entries, the watermark carried, export results) and MIM-side violations.
    /// </para>
    /// <para>
    /// Threading: Invoke starts on Node's main thread, which must stay free to answer the dispatcher, so the run
    /// goes to the thread pool and Invoke awaits it. The bridge's calls block pool threads, as MIM's block its own.
    /// </para>
    /// </summary>
    public class EdgeEntry
    {
        private static readonly Regex SecretName = new Regex("secret|password", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        public async Task<object> Invoke(object input)
        {
            var args = input as IDictionary<string, object> ?? throw new ArgumentException("EdgeEntry.Invoke expects an object");
            // Without dispatch, the channel looks for EdgeJs in connectorFolder as on Windows (the suite checks its error).
            var dispatch = Get(args, "dispatch") as Func<object, Task<object>>;
            if (dispatch == null && Get(args, "dispatch") != null)
                throw new ArgumentException("dispatch must be the connector's Edge dispatcher (a function (payload, callback))");
            var dataFolder = Get(args, "dataFolder") as string ?? throw new ArgumentException("dataFolder is required");
            var config = Get(args, "config") as IDictionary<string, object> ?? throw new ArgumentException("config must be an object of MA parameter values");
            var secrets = new HashSet<string>(Strings(Get(args, "secrets")), StringComparer.Ordinal);
            var steps = Get(args, "steps") is object s ? List(s) : new List<object?> { "full", "delta" };

            EdgeChannel.InProcessDispatcher = dispatch;
            EdgeChannel.DispatcherThreadId = Environment.CurrentManagedThreadId;
            BridgeSettings.Override = new BridgeSettings
            {
                Channel = BridgeSettings.EdgeChannelName,
                DataFolder = dataFolder,
                ConnectorFolder = Get(args, "connectorFolder") as string ?? "",
                Source = "EdgeEntry (test/bridge/edge.test.ts)",
            };
            try
            {
                return await Task.Run(() => RunAsync(config, secrets, steps)).ConfigureAwait(false);
            }
            finally
            {
                EdgeChannel.InProcessDispatcher = null;
                EdgeChannel.DispatcherThreadId = null;
                BridgeSettings.Override = null;
            }
        }

        private static async Task<object> RunAsync(IDictionary<string, object> config, HashSet<string> secrets, List<object?> steps)
        {
            var sim = new MimSyncSimulator();
            var trace = new List<string>();
            sim.Trace = line =>
            {
                lock (trace) trace.Add(line);
            };
            foreach (var kv in config)
            {
                var value = Convert.ToString(kv.Value, CultureInfo.InvariantCulture) ?? "";
                if (secrets.Contains(kv.Key) || (secrets.Count == 0 && SecretName.IsMatch(kv.Key))) sim.EnterSecret(kv.Key, value);
                else sim.Enter(kv.Key, value);
            }

            var summary = new Dictionary<string, object?>(StringComparer.Ordinal);
            var done = new List<object?>();
            summary["steps"] = done;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            string current = "designer";
            try
            {
                var designer = sim.RunDesigner();
                done.Add(new Dictionary<string, object?>
                {
                    ["kind"] = "designer",
                    ["succeeded"] = designer.Succeeded,
                    ["failedPage"] = designer.FailedPage?.ToString(),
                    ["pages"] = designer.Pages.Select(p => (object?)p.ToString()).ToList(),
                    ["types"] = sim.Schema?.Types.Select(t => (object?)t.Name).ToList(),
                    ["undefinedEntered"] = sim.UndefinedEnteredNames.Select(n => (object?)n).ToList(),
                });
                if (!designer.Succeeded) throw new InvalidOperationException("the designer stopped: " + (designer.FailedPage?.ToString() ?? "no schema"));

                foreach (var step in steps)
                {
                    if (step is string kind)
                    {
                        current = kind;
                        done.Add(kind switch
                        {
                            "full" => Import(sim, OperationType.Full),
                            "delta" => Import(sim, OperationType.Delta),
                            _ => throw new ArgumentException("unknown step '" + kind + "' (full, delta, {export}, {js})"),
                        });
                    }
                    else if (step is IDictionary<string, object> o && Get(o, "js") is Func<object, Task<object>> js)
                    {
                        current = "js";
                        var before = sim.Watermark;
                        var result = await js(null!).ConfigureAwait(false);
                        // The JavaScript answer completes the task on Node's thread, and the continuation may run
                        // there: leave it before the next step blocks.
                        await Task.Yield();
                        if (Environment.CurrentManagedThreadId == EdgeChannel.DispatcherThreadId) await Task.Run(() => { }).ConfigureAwait(false);
                        done.Add(new Dictionary<string, object?> { ["kind"] = "js", ["result"] = result, ["watermark"] = before });
                    }
                    else if (step is IDictionary<string, object> e && Get(e, "export") is object changes)
                    {
                        current = "export";
                        done.Add(Export(sim, List(changes), Get(e, "batchSize") is object b ? Convert.ToInt32(b, CultureInfo.InvariantCulture) : (int?)null));
                    }
                    else
                    {
                        throw new ArgumentException("a step is \"full\", \"delta\", {export: [...]} or {js: function}");
                    }
                }
            }
            catch (Exception e)
            {
                summary["error"] = new Dictionary<string, object?>
                {
                    ["step"] = current,
                    ["type"] = e.GetType().FullName,
                    ["message"] = e.Message,
                    ["status"] = MimRunStatus.Of(e),
                };
            }
            summary["watermark"] = sim.Watermark;
            summary["violations"] = sim.Violations.All.Select(v => (object?)v.ToString()).ToList();
            summary["pendingConfirmations"] = sim.PendingConfirmations.Select(p => (object?)p.ToString()).ToList();
            summary["notReimported"] = sim.NotReimported.Select(p => (object?)p.ToString()).ToList();
            summary["connectorSpace"] = sim.Space.Count;
            summary["elapsedMs"] = clock.Elapsed.TotalMilliseconds;
            lock (trace) summary["trace"] = trace.Select(t => (object?)t).ToList();
            summary["thread"] = Environment.CurrentManagedThreadId;
            return summary;
        }

        private static Dictionary<string, object?> Import(MimSyncSimulator sim, OperationType type)
        {
            var before = sim.Watermark;
            var r = type == OperationType.Full ? sim.FullImport() : sim.DeltaImport();
            var counts = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var byType in r.Entries.GroupBy(e => e.ObjectType ?? "(none)"))
            {
                var m = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var byMod in byType.GroupBy(e => e.ObjectModificationType.ToString())) m[byMod.Key] = byMod.Count();
                counts[byType.Key] = m;
            }
            return new Dictionary<string, object?>
            {
                ["kind"] = type == OperationType.Full ? "full" : "delta",
                ["pages"] = r.Pages,
                ["count"] = r.Entries.Count,
                ["counts"] = counts,
                ["entries"] = r.Entries.Select(e => (object?)Entry(e)).ToList(),
                ["watermarkBefore"] = before,
                ["watermarkAfter"] = r.CloseCustomData,
                ["committed"] = r.Committed,
                ["reason"] = r.Reason.ToString(),
                ["discoveryErrors"] = r.DiscoveryErrors,
                ["durationMs"] = r.Duration.TotalMilliseconds,
            };
        }

        private static Dictionary<string, object?> Entry(CSEntryChange e)
        {
            var attributes = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var a in e.AttributeChanges)
            {
                attributes[a.Name] = new Dictionary<string, object?>
                {
                    ["modification"] = a.ModificationType.ToString(),
                    ["values"] = a.ValueChanges.Select(v => (object?)new Dictionary<string, object?>
                    {
                        ["modification"] = v.ModificationType.ToString(),
                        ["value"] = Value(v.Value),
                    }).ToList(),
                };
            }
            var anchors = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var a in e.AnchorAttributes) anchors[a.Name] = Value(a.Value);
            return new Dictionary<string, object?>
            {
                ["dn"] = e.DN,
                ["objectType"] = e.ObjectType,
                ["modification"] = e.ObjectModificationType.ToString(),
                ["anchors"] = anchors,
                ["attributes"] = attributes,
                ["error"] = e.ErrorCodeImport == MAImportError.Success ? null : e.ErrorCodeImport.ToString(),
            };
        }

        private static Dictionary<string, object?> Export(MimSyncSimulator sim, List<object?> changes, int? batchSize)
        {
            var pending = new List<PendingExport>();
            foreach (var item in changes)
            {
                var c = item as IDictionary<string, object> ?? throw new ArgumentException("an export change must be an object");
                var modification = Get(c, "modification") as string ?? "Update";
                var objectType = Get(c, "objectType") as string ?? throw new ArgumentException("an export change needs objectType");
                var dn = Get(c, "dn") as string ?? throw new ArgumentException("an export change needs dn");
                PendingExport p;
                switch (modification)
                {
                    case "Add":
                        p = PendingExport.Add(objectType, dn);
                        break;
                    case "Update":
                    case "Delete":
                        var target = sim.Space.ByDN(dn) ?? throw new ArgumentException("no connector-space object has the DN " + dn + " (import it first)");
                        p = modification == "Update" ? PendingExport.Update(target) : PendingExport.Delete(target);
                        break;
                    default:
                        throw new ArgumentException("modification '" + modification + "': Add, Update or Delete");
                }
                foreach (var a in List(Get(c, "attributes")))
                {
                    var attr = a as IDictionary<string, object> ?? throw new ArgumentException("an attribute change must be an object");
                    var name = Get(attr, "name") as string ?? throw new ArgumentException("an attribute change needs name");
                    var values = List(Get(attr, "values")).Select(ToMim).ToArray();
                    switch (Get(attr, "op") as string ?? "set")
                    {
                        case "set": p.Set(name, values); break;
                        case "clear": p.Clear(name); break;
                        case "add": p.AddValues(name, values); break;
                        case "remove": p.RemoveValues(name, values); break;
                        default: throw new ArgumentException("op of " + name + ": set, clear, add or remove");
                    }
                }
                pending.Add(p);
            }

            var r = sim.Export(pending, batchSize);
            return new Dictionary<string, object?>
            {
                ["kind"] = "export",
                ["batches"] = r.Batches,
                ["durationMs"] = r.Duration.TotalMilliseconds,
                ["results"] = r.Changes.Select(x => (object?)new Dictionary<string, object?>
                {
                    ["dn"] = x.Pending.DN,
                    ["objectType"] = x.Pending.ObjectType,
                    ["modification"] = x.Change.ObjectModificationType.ToString(),
                    ["pass"] = x.Pass,
                    ["batch"] = x.Batch,
                    ["identifier"] = x.Change.Identifier.ToString(),
                    ["resultIdentifier"] = x.Result?.Identifier.ToString(),
                    ["errorCode"] = x.ErrorCode.ToString(),
                    ["errorName"] = x.Result?.ErrorName,
                    ["errorDetail"] = x.Result?.ErrorDetail,
                    ["anchors"] = Anchors(x.Result),
                }).ToList(),
                ["anchors"] = pending.Where(p => p.Modification == ObjectModificationType.Add)
                    .ToDictionary(p => p.DN, p => Value(r.AnchorOf(p)), StringComparer.Ordinal),
            };
        }

        private static Dictionary<string, object?> Anchors(CSEntryChangeResult? result)
        {
            var d = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (result?.AnchorAttributes == null) return d;
            foreach (var a in result.AnchorAttributes)
                d[a.Name] = a.ValueChanges == null || a.ValueChanges.Count == 0 ? null : Value(a.ValueChanges[0].Value);
            return d;
        }

        /// <summary>A JavaScript value as the engine's CLR type: whole numbers are Int64, the rest as they come.</summary>
        private static object ToMim(object? v) => v switch
        {
            null => throw new ArgumentException("null is not a value; clear the attribute instead"),
            int i => (long)i,
            double d when d == Math.Floor(d) && Math.Abs(d) < 9e15 => (long)d,
            _ => v,
        };

        /// <summary>A value for JavaScript: Int64 as a number when exact, else a string; binary as base64; GUIDs as text.</summary>
        private static object? Value(object? v) => v switch
        {
            null => null,
            long l when Math.Abs(l) < 9007199254740992L => (double)l,
            long l => l.ToString(CultureInfo.InvariantCulture),
            byte[] b => Convert.ToBase64String(b),
            Guid g => g.ToString(),
            string or bool or int or double => v,
            _ => Convert.ToString(v, CultureInfo.InvariantCulture),
        };

        private static object? Get(IDictionary<string, object> o, string key) => o.TryGetValue(key, out var v) ? v : null;

        private static List<object?> List(object? v) => v switch
        {
            null => new List<object?>(),
            string s => new List<object?> { s },
            IEnumerable e => e.Cast<object?>().ToList(),
            _ => new List<object?> { v },
        };

        private static IEnumerable<string> Strings(object? v) => List(v).OfType<string>();
    }
}
