using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Microsoft.MetadirectoryServices;

namespace MimGraph.Bridge.Simulator
{
    /// <summary>One page as GetImportEntries returned it.</summary>
    public sealed class ImportPage
    {
        internal ImportPage(int number, IList<CSEntryChange> entries, bool moreToImport, string? customData)
        {
            Number = number;
            Entries = entries;
            MoreToImport = moreToImport;
            CustomData = customData;
        }

        public int Number { get; }
        public IList<CSEntryChange> Entries { get; }
        public bool MoreToImport { get; }
        public string? CustomData { get; }
    }

    /// <summary>What an import run step brought and how it ended.</summary>
    public sealed class ImportRunResult
    {
        internal ImportRunResult(OperationType type, List<CSEntryChange> entries, int pages, CloseReason reason, string? closeCustomData, bool committed, TimeSpan duration, int discoveryErrors)
        {
            ImportType = type;
            Entries = entries;
            Pages = pages;
            Reason = reason;
            CloseCustomData = closeCustomData;
            Committed = committed;
            Duration = duration;
            DiscoveryErrors = discoveryErrors;
        }

        public OperationType ImportType { get; }
        public IReadOnlyList<CSEntryChange> Entries { get; }
        public int Pages { get; }
        public CloseReason Reason { get; }

        /// <summary>CloseImportConnectionResults.CustomData.</summary>
        public string? CloseCustomData { get; }

        /// <summary>True when MIM stored <see cref="CloseCustomData"/> as the new watermark.</summary>
        public bool Committed { get; }

        public TimeSpan Duration { get; }
        public int DiscoveryErrors { get; }

        public IEnumerable<CSEntryChange> OfType(string objectType) => Entries.Where(e => e.ObjectType == objectType);

        /// <summary>Entries by DN (the last one wins when an object came twice).</summary>
        public IReadOnlyDictionary<string, CSEntryChange> ByDN()
        {
            var d = new Dictionary<string, CSEntryChange>(StringComparer.OrdinalIgnoreCase);
            foreach (var e in Entries) if (e.DN != null) d[e.DN] = e;
            return d;
        }

        public int Count(ObjectModificationType modification) => Entries.Count(e => e.ObjectModificationType == modification);
    }

    /// <summary>
    /// An import run step in progress: OpenImportConnection done; <see cref="Next"/> is one
    /// GetImportEntries; <see cref="Close"/> is CloseImportConnection (Normal, or TerminatedByUser to stop
    /// early, as the Stop button does). Entries are staged into the connector space as they arrive.
    /// </summary>
    public sealed class ImportRun
    {
        private readonly MimSyncSimulator sim;
        private readonly IMAExtensible2CallImport extension;
        private readonly Stopwatch clock = Stopwatch.StartNew();
        private readonly List<CSEntryChange> entries = new List<CSEntryChange>();
        private readonly HashSet<string> seenAnchors = new HashSet<string>(StringComparer.Ordinal);
        private readonly HashSet<CsObject> imported = new HashSet<CsObject>();
        private readonly HashSet<string> deletedAnchors = new HashSet<string>(StringComparer.Ordinal);
        private readonly string name;
        private string? lastCustomData;
        private int discoveryErrors;
        private bool failed;

        private ImportRun(MimSyncSimulator sim, IMAExtensible2CallImport extension, OperationType type, int pageSize)
        {
            this.sim = sim;
            this.extension = extension;
            ImportType = type;
            PageSize = pageSize;
            name = type == OperationType.Delta ? "delta import" : "full import";
        }

        public OperationType ImportType { get; }
        public int PageSize { get; }
        public int PagesRead { get; private set; }
        public bool MoreToImport { get; private set; } = true;
        public bool Closed { get; private set; }
        public IReadOnlyList<CSEntryChange> Entries => entries;

        /// <summary>The extension instance serving this run step (one instance per step, as MIM uses it).</summary>
        public object Extension => extension;

        internal static ImportRun Open(MimSyncSimulator sim, OperationType type, int pageSize)
        {
            if (sim.ImportMaxPageSize > 0 && pageSize > sim.ImportMaxPageSize)
                throw new ArgumentOutOfRangeException(nameof(pageSize), $"the designer allows at most {sim.ImportMaxPageSize}");
            var ext = sim.Catalog.Create<IMAExtensible2CallImport>();
            var run = new ImportRun(sim, ext, type, pageSize);
            var step = new OpenImportConnectionRunStep(sim.Partition, type, pageSize, sim.Watermark, null, null);
            var open = sim.Call($"{run.name} open", () => ext.OpenImportConnection(sim.Config, sim.Schema!, step));
            if (open == null) sim.Violations.Add($"{run.name} open", "import.open-null", "OpenImportConnection returned null");
            // psma reads the first page's CustomData as the stored watermark: hand over what open returned, else the stored one.
            run.lastCustomData = open?.CustomData ?? sim.Watermark;
            return run;
        }

        /// <summary>One GetImportEntries call; the entries are checked and staged. Throws what the extension throws.</summary>
        public ImportPage Next()
        {
            if (Closed) throw new InvalidOperationException("the run step is closed");
            if (!MoreToImport) throw new InvalidOperationException("MoreToImport was false: MIM does not call GetImportEntries again");
            var number = PagesRead + 1;
            var stepName = $"{name} page {number}";
            GetImportEntriesResults? page;
            try
            {
                var step = new GetImportEntriesRunStep(new List<CSEntryChange>(), lastCustomData);
                page = sim.Call(stepName, () => extension.GetImportEntries(step));
            }
            catch
            {
                failed = true;
                throw;
            }
            PagesRead = number;
            if (page == null)
            {
                sim.Violations.Add(stepName, "import.page-null", "GetImportEntries returned null");
                MoreToImport = false;
                return new ImportPage(number, new List<CSEntryChange>(), false, lastCustomData);
            }
            var list = page.CSEntries;
            if (list == null)
            {
                sim.Violations.Add(stepName, "import.csentries-null", "GetImportEntriesResults.CSEntries is null (the engine dereferences it)");
                list = new List<CSEntryChange>();
            }
            if (list.Count > PageSize)
                sim.Violations.Add(stepName, "import.page-size", $"{list.Count} entries on a page of {PageSize}");
            var identifiers = new HashSet<Guid>();
            foreach (var e in list)
            {
                MimChecks.ImportEntry(stepName, e, sim.Schema!, sim.Capabilities!, ImportType, sim.Violations);
                if (e == null) continue;
                if (!identifiers.Add(e.Identifier))
                    sim.Violations.Add(stepName, "import.identifier", $"{e.ObjectType} {e.DN}: identifier {e.Identifier} twice on one page");
                entries.Add(e);
                Stage(stepName, e);
            }
            MoreToImport = page.MoreToImport;
            if (page.CustomData != null) lastCustomData = page.CustomData;
            if (MoreToImport && list.Count == 0 && PagesRead > 1000)
                sim.Violations.Add(stepName, "import.empty-pages", "more than 1000 pages and still empty pages with MoreToImport");
            return new ImportPage(number, list, page.MoreToImport, page.CustomData);
        }

        /// <summary>Pages until MoreToImport is false, then CloseImportConnection(Normal).</summary>
        public ImportRunResult RunToEnd(int maxPages = 1_000_000)
        {
            try
            {
                while (MoreToImport)
                {
                    if (PagesRead >= maxPages) throw new InvalidOperationException($"more than {maxPages} pages");
                    Next();
                }
            }
            catch
            {
                CloseAfterFailure();
                throw;
            }
            return Close(CloseReason.Normal);
        }

        /// <summary>Stops the run as the Stop button does: CloseImportConnection(TerminatedByUser); nothing is committed.</summary>
        public ImportRunResult Stop() => Close(CloseReason.TerminatedByUser);

        /// <summary>CloseImportConnection with the last CustomData of the run; a Normal close of a complete run commits the watermark.</summary>
        public ImportRunResult Close(CloseReason reason)
        {
            if (Closed) throw new InvalidOperationException("the run step is already closed");
            Closed = true;
            var step = new CloseImportConnectionRunStep(reason, lastCustomData);
            CloseImportConnectionResults? close;
            try
            {
                close = sim.Call($"{name} close", () => extension.CloseImportConnection(step));
            }
            catch
            {
                failed = true;
                throw;
            }
            if (close == null) sim.Violations.Add($"{name} close", "import.close-null", "CloseImportConnection returned null");
            var complete = reason == CloseReason.Normal && !MoreToImport && !failed;
            if (reason == CloseReason.Normal && MoreToImport)
                sim.Violations.Add($"{name} close", "import.close-early", "closed Normal while MoreToImport was true (the simulator's caller did this)");
            var commit = complete && discoveryErrors == 0;
            if (commit)
            {
                if (close?.CustomData == null && ImportType == OperationType.Full && sim.Capabilities!.DeltaImport)
                    sim.Violations.Add($"{name} close", "import.no-watermark", "a complete full import returned no watermark: the next delta import has nothing to start from");
                sim.Watermark = close?.CustomData;
                if (ImportType == OperationType.Full) Obsolete();
            }
            sim.ConfirmEscrow(imported, deletedAnchors);
            sim.Log($"{name}: {entries.Count} entries in {PagesRead} page(s), {reason}, {(commit ? "committed" : "not committed")}, {clock.ElapsedMilliseconds} ms");
            return new ImportRunResult(ImportType, entries, PagesRead, reason, close?.CustomData, commit, clock.Elapsed, discoveryErrors);
        }

        private void CloseAfterFailure()
        {
            if (Closed) return;
            Closed = true;
            try
            {
                extension.CloseImportConnection(new CloseImportConnectionRunStep(CloseReason.Unknown, lastCustomData));
            }
            catch (Exception e)
            {
                sim.Log($"{name} close after failure: {e.GetType().Name}: {e.Message}");
            }
        }

        /// <summary>After a complete full import, objects it did not bring are gone (exported adds awaiting confirmation stay).</summary>
        private void Obsolete()
        {
            foreach (var o in sim.Space.Objects)
            {
                if (!o.Confirmed) continue;
                var key = o.AnchorKey;
                if (key == null || seenAnchors.Contains(key)) continue;
                sim.Space.Remove(o);
                deletedAnchors.Add(key);
            }
        }

        private void Stage(string step, CSEntryChange e)
        {
            if (e.ErrorCodeImport != MAImportError.Success)
            {
                discoveryErrors++;
                return;
            }
            var schema = sim.Schema!;
            if (string.IsNullOrEmpty(e.ObjectType) || !schema.Types.Contains(e.ObjectType) || e.AnchorAttributes == null) return;
            var type = schema.Types[e.ObjectType];
            var anchors = new Dictionary<string, object>(StringComparer.Ordinal);
            foreach (var def in type.AnchorAttributes)
            {
                if (!e.AnchorAttributes.Contains(def.Name) || e.AnchorAttributes[def.Name].Value == null) return;
                anchors[def.Name] = e.AnchorAttributes[def.Name].Value;
            }
            if (anchors.Count == 0) return;
            var key = ConnectorSpace.KeyOf(anchors.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => a.Value));
            if (ImportType == OperationType.Full && !seenAnchors.Add(key))
                sim.Violations.Add(step, "import.duplicate", $"{e.ObjectType} {e.DN}: anchor {key} already imported in this run (MIM: duplicate object)");
            seenAnchors.Add(key);
            var dn = string.IsNullOrEmpty(e.DN) ? key : e.DN;
            switch (e.ObjectModificationType)
            {
                case ObjectModificationType.Add:
                case ObjectModificationType.Replace:
                {
                    var o = sim.Space.Upsert(key, anchors, e.ObjectType, dn, out _);
                    o.Attributes.Clear();
                    foreach (var ac in e.AttributeChanges ?? Enumerable.Empty<AttributeChange>())
                        o.Attributes[ac.Name] = (ac.ValueChanges ?? new List<ValueChange>()).Where(v => v?.Value != null).Select(v => v.Value).ToList();
                    o.Confirmed = true;
                    imported.Add(o);
                    break;
                }
                case ObjectModificationType.Update:
                {
                    var existing = sim.Space.ByAnchor(key);
                    if (existing == null)
                    {
                        sim.Violations.Add(step, "import.update-missing", $"{e.ObjectType} {e.DN}: an Update for an object the connector space does not hold (anchor {key})");
                        return;
                    }
                    if (existing.ObjectType != e.ObjectType)
                        sim.Violations.Add(step, "import.type-changed", $"{e.DN}: object type {existing.ObjectType} became {e.ObjectType}");
                    sim.Space.Rename(existing, dn);
                    foreach (var ac in e.AttributeChanges ?? Enumerable.Empty<AttributeChange>()) Apply(existing, ac);
                    existing.Confirmed = true;
                    imported.Add(existing);
                    break;
                }
                case ObjectModificationType.Delete:
                {
                    var existing = sim.Space.ByAnchor(key);
                    if (existing != null) sim.Space.Remove(existing);
                    deletedAnchors.Add(key);
                    break;
                }
            }
        }

        private static void Apply(CsObject o, AttributeChange ac)
        {
            var values = (ac.ValueChanges ?? new List<ValueChange>()).Where(v => v?.Value != null).ToList();
            switch (ac.ModificationType)
            {
                case AttributeModificationType.Add:
                case AttributeModificationType.Replace:
                    o.Attributes[ac.Name] = values.Select(v => v.Value).ToList();
                    break;
                case AttributeModificationType.Delete:
                    o.Attributes.Remove(ac.Name);
                    break;
                case AttributeModificationType.Update:
                {
                    if (!o.Attributes.TryGetValue(ac.Name, out var list)) o.Attributes[ac.Name] = list = new List<object>();
                    foreach (var v in values)
                    {
                        var k = MimSyncSimulator.ValueKey(v.Value);
                        if (v.ModificationType == ValueModificationType.Delete)
                            list.RemoveAll(x => string.Equals(MimSyncSimulator.ValueKey(x), k, StringComparison.OrdinalIgnoreCase));
                        else if (!list.Any(x => string.Equals(MimSyncSimulator.ValueKey(x), k, StringComparison.OrdinalIgnoreCase)))
                            list.Add(v.Value);
                    }
                    if (list.Count == 0) o.Attributes.Remove(ac.Name);
                    break;
                }
            }
        }
    }
}
