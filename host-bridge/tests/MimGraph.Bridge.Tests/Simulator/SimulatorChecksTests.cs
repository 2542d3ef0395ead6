using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Linq;
using Microsoft.MetadirectoryServices;
using Microsoft.MetadirectoryServices.DetachedObjectModel;
using MimGraph.Bridge.Simulator;
using Xunit;

namespace MimGraph.Bridge.Tests.Simulator
{
    /// <summary>
    /// The simulator's own checks, on an in-memory extension that breaks MIM's rules on purpose: an empty
    /// violation list in the run-cycle tests means something only if these fire. No worker, no emulator.
    /// </summary>
    public sealed class SimulatorChecksTests
    {
        /// <summary>A faulty extension: one public class per interface, as Lithnet splits them.</summary>
        public sealed class FaultyCapabilities : IMAExtensible2GetCapabilitiesEx
        {
            public MACapabilities GetCapabilitiesEx(KeyedCollection<string, ConfigParameter> configParameters) => new MACapabilities
            {
                DistinguishedNameStyle = MADistinguishedNameStyle.Generic,
                ObjectRename = false,
                SupportHierarchy = false,
                SupportPartitions = false,
                SupportPassword = false,
                ExportType = MAExportType.AttributeUpdate,
                NoReferenceValuesInFirstExport = true,
            };
        }

        public sealed class FaultySchema : IMAExtensible2GetSchema
        {
            public Schema GetSchema(KeyedCollection<string, ConfigParameter> configParameters)
            {
                var schema = Schema.Create();
                var user = SchemaType.Create("user", true);
                user.Attributes.Add(SchemaAttribute.CreateAnchorAttribute("id", AttributeType.String));
                user.Attributes.Add(SchemaAttribute.CreateSingleValuedAttribute("displayName", AttributeType.String));
                user.Attributes.Add(SchemaAttribute.CreateSingleValuedAttribute("count", AttributeType.Integer));
                schema.Types.Add(user);
                var group = SchemaType.Create("group", true);
                group.Attributes.Add(SchemaAttribute.CreateAnchorAttribute("id", AttributeType.String));
                group.Attributes.Add(SchemaAttribute.CreateMultiValuedAttribute("members", AttributeType.Reference));
                schema.Types.Add(group);
                return schema;
            }
        }

        public sealed class FaultyImport : IMAExtensible2CallImport
        {
            private int page;

            public int ImportDefaultPageSize => 10;
            public int ImportMaxPageSize => 100;

            public OpenImportConnectionResults OpenImportConnection(KeyedCollection<string, ConfigParameter> configParameters, Schema types, OpenImportConnectionRunStep importRunStep) =>
                new OpenImportConnectionResults(importRunStep.CustomData);

            public GetImportEntriesResults GetImportEntries(GetImportEntriesRunStep importRunStep)
            {
                page++;
                if (page == 2) return new GetImportEntriesResults { CSEntries = null!, MoreToImport = false };
                return new GetImportEntriesResults(null!, true, new List<CSEntryChange>
                {
                    Entry("user", "u1", ObjectModificationType.Add, AttributeChange.CreateAttributeAdd("displayName", "One")),
                    Entry("group", "g1", ObjectModificationType.Add, AttributeChange.CreateAttributeAdd("members", new List<object> { "u1" })),
                    Entry("contact", "c1", ObjectModificationType.Add),
                    Entry("user", null, ObjectModificationType.Add),
                    Entry("user", "u2", ObjectModificationType.Add, AttributeChange.CreateAttributeAdd("count", "5")),
                    Entry("user", "u3", ObjectModificationType.Update, AttributeChange.CreateAttributeReplace("displayName", "Three")),
                    Entry("user", "u4", ObjectModificationType.Add, AttributeChange.CreateAttributeAdd("nickname", "x")),
                });
            }

            public CloseImportConnectionResults CloseImportConnection(CloseImportConnectionRunStep importRunStep) => new CloseImportConnectionResults(null!);

            private static CSEntryChange Entry(string type, string? id, ObjectModificationType mod, params AttributeChange[] changes)
            {
                var e = CSEntryChange.Create();
                e.ObjectModificationType = mod;
                e.ObjectType = type;
                e.DN = id ?? "no-anchor";
                if (id != null) e.AnchorAttributes.Add(AnchorAttribute.Create("id", id));
                foreach (var c in changes) e.AttributeChanges.Add(c);
                return e;
            }
        }

        public sealed class FaultyExport : IMAExtensible2CallExport
        {
            public static readonly List<List<CSEntryChange>> Batches = new List<List<CSEntryChange>>();

            public int ExportDefaultPageSize => 10;
            public int ExportMaxPageSize => 100;

            public void OpenExportConnection(KeyedCollection<string, ConfigParameter> configParameters, Schema types, OpenExportConnectionRunStep exportRunStep) { }

            public PutExportEntriesResults PutExportEntries(IList<CSEntryChange> csentries)
            {
                lock (Batches) Batches.Add(csentries.ToList());
                // No answer for the add (whose anchor only the target knows), and one for an entry never sent.
                return new PutExportEntriesResults(new List<CSEntryChangeResult>
                {
                    CSEntryChangeResult.Create(Guid.NewGuid(), null, MAExportError.Success),
                });
            }

            public void CloseExportConnection(CloseExportConnectionRunStep exportRunStep) { }
        }

        private static MimSyncSimulator Faulty() =>
            new MimSyncSimulator(new ExtensionCatalog(typeof(FaultyCapabilities), typeof(FaultySchema), typeof(FaultyImport), typeof(FaultyExport)));

        [Fact]
        public void Import_checks_catch_what_MIM_would_reject()
        {
            var sim = Faulty();
            sim.LoadCapabilities();
            sim.DiscoverSchema();
            var result = sim.FullImport(pageSize: 5);
            var rules = sim.Violations.All.Select(v => v.Rule).ToHashSet();
            foreach (var rule in new[]
            {
                "import.page-size", "import.object-type", "import.anchor-missing", "import.value-type", "import.full-modification",
                "import.update-missing", "import.attribute-unknown", "import.csentries-null", "import.no-watermark",
            })
                Assert.True(rules.Contains(rule), $"{rule} not reported; got:{Environment.NewLine}{sim.Violations.Describe()}");
            Assert.Equal(2, result.Pages);
            // What MIM could stage still is: the user, the group with its reference, and the entries with a bad value.
            Assert.Equal("u1", sim.Space.ByAnchor("g1")!.Values("members").Single());
            Assert.Equal("One", sim.Space.ByAnchor("u1")!.Value("displayName"));
        }

        [Fact]
        public void Export_is_shaped_as_the_engine_shapes_it_and_its_answers_are_checked()
        {
            var sim = Faulty();
            sim.LoadCapabilities();
            sim.DiscoverSchema();
            sim.FullImport();
            sim.Violations.Clear();
            lock (FaultyExport.Batches) FaultyExport.Batches.Clear();
            var group = sim.Space.ByAnchor("g1")!;
            var user = sim.Space.ByAnchor("u1")!;
            var add = PendingExport.Add("user", "CN=new").Set("displayName", "New").Set("count", 7L);
            var update = PendingExport.Update(group).AddValues("members", "CN=new").RemoveValues("members", user.DN);
            var rename = PendingExport.Update(user).Set("displayName", "Renamed");
            var export = sim.Export(new[] { add, update, rename }, batchSize: 2);

            List<List<CSEntryChange>> batches;
            lock (FaultyExport.Batches) batches = FaultyExport.Batches.ToList();
            Assert.All(batches, b => Assert.True(b.Count <= 2));
            var sent = batches.SelectMany(b => b).ToList();
            // Pass 1: the add (no anchor) and the user's update; the group's references wait for pass 2.
            var addChange = sent[0];
            Assert.Equal(ObjectModificationType.Add, addChange.ObjectModificationType);
            Assert.Equal("CN=new", addChange.DN);
            Assert.Empty(addChange.AnchorAttributes);
            Assert.Equal(AttributeType.Integer, addChange.AttributeChanges["count"].DataType);
            Assert.IsType<long>(addChange.AttributeChanges["count"].ValueChanges[0].Value);
            var renameChange = sent[1];
            Assert.Equal(AttributeModificationType.Replace, renameChange.AttributeChanges["displayName"].ModificationType);
            Assert.False(renameChange.AttributeChanges["displayName"].IsMultiValued);
            Assert.Equal("u1", renameChange.AnchorAttributes["id"].Value);
            Assert.Equal(AttributeType.String, renameChange.AnchorAttributes["id"].DataType);
            var members = sent.Single(c => c.ObjectType == "group").AttributeChanges["members"];
            Assert.Equal(AttributeModificationType.Update, members.ModificationType);
            Assert.True(members.IsMultiValued);
            Assert.Equal(AttributeType.Reference, members.DataType);
            Assert.Contains(members.ValueChanges, v => v.ModificationType == ValueModificationType.Add && (string)v.Value == "CN=new");
            Assert.Contains(members.ValueChanges, v => v.ModificationType == ValueModificationType.Delete && (string)v.Value == "u1");
            Assert.Equal(2, export.Changes.Single(c => c.Change.ObjectType == "group").Pass);

            var rules = sim.Violations.All.Select(v => v.Rule).ToHashSet();
            Assert.True(rules.Contains("export.result-identifier"), sim.Violations.Describe());
            Assert.True(rules.Contains("export.add-anchor-missing"), sim.Violations.Describe());
        }

        [Fact]
        public void The_catalog_finds_the_bridge_s_public_classes_as_MIM_does()
        {
            var catalog = ExtensionCatalog.ForBridge();
            foreach (var contract in new[]
            {
                typeof(IMAExtensible2GetCapabilitiesEx), typeof(IMAExtensible2GetParametersEx), typeof(IMAExtensible2GetSchema),
                typeof(IMAExtensible2CallImport), typeof(IMAExtensible2CallExport), typeof(IMAExtensible2Password),
            })
            {
                var type = catalog.ImplementationOf(contract);
                Assert.True(type != null, $"no public type implements {contract.Name}");
                Assert.True(type!.IsPublic && type.GetConstructor(Type.EmptyTypes) != null);
            }
            // Capabilities say no partitions and no hierarchy: the extension does not offer those interfaces either.
            Assert.Null(catalog.ImplementationOf(typeof(IMAExtensible2GetPartitions)));
            Assert.Null(catalog.ImplementationOf(typeof(IMAExtensible2GetHierarchy)));
        }
    }
}
