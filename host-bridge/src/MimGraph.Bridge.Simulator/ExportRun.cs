using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Microsoft.MetadirectoryServices;
using Microsoft.MetadirectoryServices.DetachedObjectModel;

namespace MimGraph.Bridge.Simulator
{
    /// <summary>One CSEntryChange the engine sent and the extension's answer (null: none, which means success).</summary>
    public sealed class ExportedChange
    {
        internal ExportedChange(PendingExport pending, int pass, int batch, CSEntryChange change)
        {
            Pending = pending;
            Pass = pass;
            Batch = batch;
            Change = change;
        }

        public PendingExport Pending { get; }

        /// <summary>1, or 2 for the reference pass (NoReferenceValuesInFirstExport).</summary>
        public int Pass { get; }

        public int Batch { get; }
        public CSEntryChange Change { get; }
        public CSEntryChangeResult? Result { get; internal set; }
        public MAExportError ErrorCode => Result?.ErrorCode ?? MAExportError.Success;
        public bool Succeeded => ErrorCode == MAExportError.Success;

        public override string ToString() =>
            $"pass {Pass} batch {Batch}: {Change.ObjectModificationType} {Change.ObjectType} {Change.DN} → {ErrorCode}{(Result?.ErrorName != null ? $" {Result.ErrorName}: {Result.ErrorDetail}" : "")}";
    }

    public sealed class ExportRunResult
    {
        internal ExportRunResult(List<ExportedChange> changes, int batches, TimeSpan duration)
        {
            Changes = changes;
            Batches = batches;
            Duration = duration;
        }

        public IReadOnlyList<ExportedChange> Changes { get; }
        public int Batches { get; }
        public TimeSpan Duration { get; }

        public IEnumerable<ExportedChange> Errors => Changes.Where(c => !c.Succeeded);

        public IReadOnlyList<ExportedChange> For(PendingExport pending) => Changes.Where(c => ReferenceEquals(c.Pending, pending)).ToList();

        /// <summary>The anchor value the extension returned for an add (first anchor attribute), or null.</summary>
        public object? AnchorOf(PendingExport pending)
        {
            foreach (var c in For(pending))
                if (c.Result?.AnchorAttributes != null)
                    foreach (var a in c.Result.AnchorAttributes)
                        if (a.ValueChanges?.Count > 0) return a.ValueChanges[0].Value;
            return null;
        }

        public string Describe() => string.Join(Environment.NewLine, Changes.Select(c => c.ToString()));
    }

    /// <summary>
    /// An export run step: the engine's CSEntryChanges for the pending exports, shaped by the MA's
    /// capabilities (ExportType, NoReferenceValuesInFirstExport), with real schema data types
    /// (CSEntryChangeDetached / AttributeChangeDetached / AnchorAttributeDetached), sent in batches.
    /// </summary>
    internal static class ExportRun
    {
        internal static ExportRunResult Run(MimSyncSimulator sim, List<PendingExport> pending, int batchSize)
        {
            if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize));
            if (sim.ExportMaxPageSize > 0 && batchSize > sim.ExportMaxPageSize)
                throw new ArgumentOutOfRangeException(nameof(batchSize), $"the designer allows at most {sim.ExportMaxPageSize}");
            var clock = Stopwatch.StartNew();
            var caps = sim.Capabilities!;
            var schema = sim.Schema!;
            foreach (var p in pending)
            {
                if (!schema.Types.Contains(p.ObjectType)) throw new ArgumentException($"{p}: '{p.ObjectType}' is not in the schema");
                foreach (var a in p.Attributes) AttributeSchema(schema.Types[p.ObjectType], a.Name);
            }
            // Provisioning creates the connector-space objects of the adds.
            foreach (var p in pending.Where(p => p.Modification == ObjectModificationType.Add && p.Target == null))
                p.Target = sim.Space.AddPending(p.ObjectType, p.DN);

            var ext = sim.Catalog.Create<IMAExtensible2CallExport>();
            var open = new OpenExportConnectionRunStep(sim.Partition, batchSize, OperationType.Delta, null, null);
            sim.Call("export open", () => ext.OpenExportConnection(sim.Config, schema, open));
            var all = new List<ExportedChange>();
            var batches = 0;
            try
            {
                var referencePass = caps.NoReferenceValuesInFirstExport;
                var first = new List<ExportedChange>();
                foreach (var p in pending)
                {
                    var c = Shape(sim, p, p.Modification, referencePass ? Without.References : Without.Nothing);
                    if (c != null) first.Add(new ExportedChange(p, 1, 0, c));
                }
                batches = Send(sim, ext, first, batchSize, batches, all);
                if (referencePass)
                {
                    var second = new List<ExportedChange>();
                    foreach (var p in pending)
                    {
                        if (p.Modification == ObjectModificationType.Delete) continue;
                        // A failed first pass leaves nothing to attach references to.
                        if (all.Any(x => ReferenceEquals(x.Pending, p) && !x.Succeeded)) continue;
                        if (p.Modification == ObjectModificationType.Add && p.Target?.AnchorKey == null && !all.Any(x => ReferenceEquals(x.Pending, p))) continue;
                        var c = Shape(sim, p, ObjectModificationType.Update, Without.NonReferences);
                        if (c != null) second.Add(new ExportedChange(p, 2, 0, c));
                    }
                    batches = Send(sim, ext, second, batchSize, batches, all);
                }
            }
            catch
            {
                try
                {
                    ext.CloseExportConnection(new CloseExportConnectionRunStep(CloseReason.Unknown));
                }
                catch (Exception e)
                {
                    sim.Log($"export close after failure: {e.GetType().Name}: {e.Message}");
                }
                throw;
            }
            sim.Call("export close", () => ext.CloseExportConnection(new CloseExportConnectionRunStep(CloseReason.Normal)));
            sim.Log($"export: {all.Count} change(s) in {batches} batch(es), {all.Count(c => !c.Succeeded)} error(s), {clock.ElapsedMilliseconds} ms");
            return new ExportRunResult(all, batches, clock.Elapsed);
        }

        private enum Without
        {
            Nothing,
            References,
            NonReferences,
        }

        private static int Send(MimSyncSimulator sim, IMAExtensible2CallExport ext, List<ExportedChange> changes, int batchSize, int batches, List<ExportedChange> all)
        {
            for (var i = 0; i < changes.Count; i += batchSize)
            {
                batches++;
                var slice = changes.Skip(i).Take(batchSize).Select(c => new ExportedChange(c.Pending, c.Pass, batches, c.Change)).ToList();
                IList<CSEntryChange> batch = slice.Select(c => c.Change).ToList();
                var step = $"export batch {batches}";
                var results = sim.Call(step, () => ext.PutExportEntries(batch));
                MimChecks.ExportResults(step, results, batch, sim.Schema!, sim.Violations);
                foreach (var c in slice)
                {
                    if (results?.CSEntryChangeResults != null && results.CSEntryChangeResults.Contains(c.Change.Identifier))
                        c.Result = results.CSEntryChangeResults[c.Change.Identifier];
                    all.Add(c);
                    Apply(sim, step, c);
                }
            }
            return batches;
        }

        /// <summary>What the engine does with an answer: anchors of adds into the connector space, exported values into escrow.</summary>
        private static void Apply(MimSyncSimulator sim, string step, ExportedChange c)
        {
            if (!c.Succeeded) return;
            var o = c.Pending.Target;
            if (o == null) return;
            var type = sim.Schema!.Types[c.Change.ObjectType];
            if (c.Change.ObjectModificationType == ObjectModificationType.Add)
            {
                var anchors = new Dictionary<string, object>(StringComparer.Ordinal);
                foreach (var def in type.AnchorAttributes)
                {
                    object? v = null;
                    if (c.Result?.AnchorAttributes != null && c.Result.AnchorAttributes.Contains(def.Name))
                        v = c.Result.AnchorAttributes[def.Name].ValueChanges?.FirstOrDefault()?.Value;
                    else if (c.Change.AttributeChanges.Contains(def.Name))
                        v = c.Change.AttributeChanges[def.Name].ValueChanges.FirstOrDefault()?.Value;
                    if (v != null) anchors[def.Name] = v;
                }
                if (anchors.Count == type.AnchorAttributes.Count && anchors.Count > 0)
                    sim.Space.SetAnchor(o, anchors);
                else if (c.Result == null)
                    sim.Violations.Add(step, "export.add-anchor-missing",
                        $"{c.Change.ObjectType} {c.Change.DN}: an add without a result, and the target generates the anchor: the engine never learns it");
                sim.AddEscrow(new ExportEscrow(EscrowKind.Add, o.AnchorKey, o.DN, null, null));
            }
            if (c.Change.ObjectModificationType == ObjectModificationType.Delete)
            {
                sim.AddEscrow(new ExportEscrow(EscrowKind.Delete, o.AnchorKey, o.DN, null, null));
                return;
            }
            foreach (var ac in c.Change.AttributeChanges)
            {
                if (ac.Name == "export_password" || type.AnchorAttributes.Contains(ac.Name)) continue;
                var have = c.Change.ObjectModificationType == ObjectModificationType.Add ? new List<object>() : o.Values(ac.Name).ToList();
                var expected = Final(have, ac);
                // A reference is to an object, not to a string: the DN of a new object changes when its
                // confirming import renames it, as the engine's references follow their objects.
                if (ac.DataType == AttributeType.Reference)
                    expected = expected.Select(v => v is string dn && sim.Space.ByDN(dn) is CsObject t ? t : v).ToList();
                sim.AddEscrow(new ExportEscrow(EscrowKind.Attribute, o.AnchorKey, o.DN, ac.Name, expected));
            }
        }

        private static List<object> Final(List<object> have, AttributeChange ac)
        {
            var values = ac.ValueChanges ?? new List<ValueChange>();
            switch (ac.ModificationType)
            {
                case AttributeModificationType.Delete:
                    return new List<object>();
                case AttributeModificationType.Update:
                {
                    var result = have.ToList();
                    foreach (var v in values)
                    {
                        var k = MimSyncSimulator.ValueKey(v.Value);
                        if (v.ModificationType == ValueModificationType.Delete)
                            result.RemoveAll(x => string.Equals(MimSyncSimulator.ValueKey(x), k, StringComparison.OrdinalIgnoreCase));
                        else if (!result.Any(x => string.Equals(MimSyncSimulator.ValueKey(x), k, StringComparison.OrdinalIgnoreCase)))
                            result.Add(v.Value);
                    }
                    return result;
                }
                default:
                    return values.Select(v => v.Value).ToList();
            }
        }

        private static SchemaAttribute AttributeSchema(SchemaType type, string name)
        {
            if (type.Attributes.Contains(name)) return type.Attributes[name];
            // The engine's own password attribute (written by provisioning, never in the extension's schema).
            if (name == "export_password") return SchemaAttribute.CreateSingleValuedAttribute(name, AttributeType.String, AttributeOperation.ExportOnly);
            throw new ArgumentException($"'{name}' is not an attribute of '{type.Name}' in the schema");
        }

        /// <summary>The CSEntryChange the engine builds for a pending export (null when nothing is left to send in this pass).</summary>
        private static CSEntryChange? Shape(MimSyncSimulator sim, PendingExport p, ObjectModificationType mod, Without without)
        {
            var caps = sim.Capabilities!;
            var type = sim.Schema!.Types[p.ObjectType];
            var o = p.Target!;
            bool Keep(string name)
            {
                if (without == Without.Nothing) return true;
                var isRef = AttributeSchema(type, name).DataType == AttributeType.Reference;
                return without == Without.References ? !isRef : isRef;
            }
            var changes = new List<AttributeChange>();
            if (p.Modification == ObjectModificationType.Delete)
            {
                if (without == Without.NonReferences) return null;
            }
            else if (mod == ObjectModificationType.Add)
            {
                foreach (var group in p.Attributes.Where(a => Keep(a.Name)).GroupBy(a => a.Name))
                {
                    var final = FinalValues(new List<object>(), group);
                    if (final.Count == 0) continue;
                    changes.Add(new AttributeChangeDetached(AttributeSchema(type, group.Key), AttributeModificationType.Add, final.Select(ValueChange.CreateValueAdd).ToList()));
                }
            }
            else if (caps.ExportType == MAExportType.ObjectReplace && p.Modification == ObjectModificationType.Update)
            {
                // The whole object: every attribute it will have, as Adds of a Replace.
                if (without == Without.NonReferences && !p.Attributes.Any(a => Keep(a.Name))) return null;
                var names = o.Attributes.Keys.Concat(p.Attributes.Select(a => a.Name)).Distinct(StringComparer.Ordinal)
                    .Where(n => type.Attributes.Contains(n) && !type.AnchorAttributes.Contains(n) && type.Attributes[n].AllowedAttributeOperation != AttributeOperation.ImportOnly);
                foreach (var name in names)
                {
                    var final = FinalValues(o.Values(name).ToList(), p.Attributes.Where(a => a.Name == name));
                    if (final.Count == 0) continue;
                    changes.Add(new AttributeChangeDetached(type.Attributes[name], AttributeModificationType.Add, final.Select(ValueChange.CreateValueAdd).ToList()));
                }
                mod = ObjectModificationType.Replace;
            }
            else
            {
                foreach (var group in p.Attributes.Where(a => Keep(a.Name)).GroupBy(a => a.Name))
                {
                    var def = AttributeSchema(type, group.Key);
                    var current = p.Modification == ObjectModificationType.Add ? new List<object>() : o.Values(group.Key).ToList();
                    var final = FinalValues(current, group);
                    var cleared = group.Last().Operation == PendingAttributeOperation.Clear;
                    var deltas = caps.ExportType == MAExportType.AttributeUpdate
                        || (caps.ExportType == MAExportType.MultivaluedReferenceAttributeUpdate && def.DataType == AttributeType.Reference);
                    if (def.IsMultiValued && deltas && !cleared)
                    {
                        var adds = final.Where(v => !Contains(current, v)).Select(ValueChange.CreateValueAdd);
                        var removes = current.Where(v => !Contains(final, v)).Select(ValueChange.CreateValueDelete);
                        var list = adds.Concat(removes).ToList();
                        if (list.Count == 0) continue;
                        changes.Add(new AttributeChangeDetached(def, AttributeModificationType.Update, list));
                    }
                    else if (final.Count == 0)
                    {
                        if (current.Count == 0 && !cleared) continue;
                        changes.Add(new AttributeChangeDetached(def, AttributeModificationType.Delete, new List<ValueChange>()));
                    }
                    else
                        changes.Add(new AttributeChangeDetached(def, AttributeModificationType.Replace, final.Select(ValueChange.CreateValueAdd).ToList()));
                }
                if (changes.Count == 0 && p.Modification != ObjectModificationType.Delete) return null;
            }
            var c = new CSEntryChangeDetached(Guid.NewGuid(), p.Modification == ObjectModificationType.Delete ? ObjectModificationType.Delete : mod, MAImportError.Success, null);
            c.ObjectType = p.ObjectType;
            c.DN = o.DN;
            foreach (var def in type.AnchorAttributes)
                if (o.Anchors.TryGetValue(def.Name, out var v))
                    c.AnchorAttributes.Add(new AnchorAttributeDetached(def.Name, def.DataType, v));
            foreach (var ac in changes) c.AttributeChanges.Add(ac);
            return c;
        }

        private static bool Contains(List<object> list, object v)
        {
            var k = MimSyncSimulator.ValueKey(v);
            return list.Any(x => string.Equals(MimSyncSimulator.ValueKey(x), k, StringComparison.OrdinalIgnoreCase));
        }

        private static List<object> FinalValues(List<object> current, IEnumerable<PendingAttribute> ops)
        {
            var result = current.ToList();
            foreach (var op in ops)
            {
                switch (op.Operation)
                {
                    case PendingAttributeOperation.Set:
                        result = op.Values.ToList();
                        break;
                    case PendingAttributeOperation.Clear:
                        result.Clear();
                        break;
                    case PendingAttributeOperation.AddValues:
                        foreach (var v in op.Values) if (!Contains(result, v)) result.Add(v);
                        break;
                    case PendingAttributeOperation.RemoveValues:
                        foreach (var v in op.Values)
                        {
                            var k = MimSyncSimulator.ValueKey(v);
                            result.RemoveAll(x => string.Equals(MimSyncSimulator.ValueKey(x), k, StringComparison.OrdinalIgnoreCase));
                        }
                        break;
                }
            }
            return result;
        }
    }
}
