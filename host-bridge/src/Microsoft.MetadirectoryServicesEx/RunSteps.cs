using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.ComponentModel;
using System.Xml.Serialization;
using Microsoft.MetadirectoryServices.DetachedObjectModel;

namespace Microsoft.MetadirectoryServices
{
    // Run-step and result types of the import and export calls (ecma2-api.md §7, §8).

    /// <summary>Used for import and export alike; there is no ImportType enum.</summary>
    public enum OperationType
    {
        Full = 0,
        FullObject = 1,
        Delta = 2,
    }

    public enum CloseReason
    {
        Normal = 0,
        TerminatedByUser = 1,
        TerminatedShuttingDown = 2,
        OpenConnectionFailure = 3,
        Unknown = 4,
    }

    [Serializable]
    public class ImportRunStep
    {
        private readonly string customData;

        [EditorBrowsable(EditorBrowsableState.Never)]
        protected ImportRunStep()
        {
        }

        [EditorBrowsable(EditorBrowsableState.Never)]
        protected ImportRunStep(string customData)
        {
            this.customData = customData;
        }

        /// <summary>The watermark flowing through the run.</summary>
        public string CustomData
        {
            get { return customData; }
        }
    }

    [Serializable]
    public sealed class OpenImportConnectionRunStep : ImportRunStep
    {
        private readonly Partition stepPartition;
        private readonly OperationType importType;
        private readonly int pageSize;
        private readonly IList<HierarchyNode> inclusionHierarchyNodes;
        private readonly IList<HierarchyNode> exclusionHierarchyNodes;

        [EditorBrowsable(EditorBrowsableState.Never)]
        public OpenImportConnectionRunStep()
            : this(null, OperationType.Full, 1, null, null, null)
        {
        }

        [EditorBrowsable(EditorBrowsableState.Never)]
        public OpenImportConnectionRunStep(Partition partition, OperationType importType, int pageSize, string customData, IList<HierarchyNode> inclusionHierarchyNodes, IList<HierarchyNode> exclusionHierarchyNodes)
            : base(customData)
        {
            stepPartition = partition;
            this.importType = importType;
            this.pageSize = pageSize;
            this.inclusionHierarchyNodes = inclusionHierarchyNodes;
            this.exclusionHierarchyNodes = exclusionHierarchyNodes;
        }

        public int PageSize
        {
            get { return pageSize; }
        }

        public OperationType ImportType
        {
            get { return importType; }
        }

        public Partition StepPartition
        {
            get { return stepPartition; }
        }

        public IList<HierarchyNode> InclusionHierarchyNodes
        {
            get { return inclusionHierarchyNodes; }
        }

        public IList<HierarchyNode> ExclusionHierarchyNodes
        {
            get { return exclusionHierarchyNodes; }
        }
    }

    [Serializable]
    public sealed class GetImportEntriesRunStep : ImportRunStep
    {
        private readonly IList<CSEntryChange> fullObjectEntries;

        [EditorBrowsable(EditorBrowsableState.Never)]
        public GetImportEntriesRunStep()
            : this(new List<CSEntryChange>(), null)
        {
        }

        [EditorBrowsable(EditorBrowsableState.Never)]
        public GetImportEntriesRunStep(IList<CSEntryChange> fullObjectEntries, string customData)
            : base(customData)
        {
            this.fullObjectEntries = fullObjectEntries;
        }

        public IList<CSEntryChange> FullObjectEntries
        {
            get { return fullObjectEntries; }
        }
    }

    [Serializable]
    public sealed class CloseImportConnectionRunStep : ImportRunStep
    {
        private readonly CloseReason reason;

        [EditorBrowsable(EditorBrowsableState.Never)]
        public CloseImportConnectionRunStep()
            : this(CloseReason.Normal, null)
        {
        }

        [EditorBrowsable(EditorBrowsableState.Never)]
        public CloseImportConnectionRunStep(CloseReason reason, string customData)
            : base(customData)
        {
            this.reason = reason;
        }

        public CloseReason Reason
        {
            get { return reason; }
        }
    }

    /// <summary>File-based import step: engine-created.</summary>
    public abstract class WriteImportFileRunStep : ImportRunStep
    {
        private readonly Partition stepPartition;

        [EditorBrowsable(EditorBrowsableState.Never)]
        protected WriteImportFileRunStep()
        {
        }

        [EditorBrowsable(EditorBrowsableState.Never)]
        protected WriteImportFileRunStep(Partition partition, string customData)
            : base(customData)
        {
            stepPartition = partition;
        }

        public abstract string FilePath { get; }

        public abstract OperationType ImportType { get; }

        public Partition StepPartition
        {
            get { return stepPartition; }
        }
    }

    [Serializable]
    public class ImportResults
    {
        public ImportResults()
        {
        }

        public ImportResults(string customData)
        {
            CustomData = customData;
        }

        public string CustomData { get; set; }
    }

    [Serializable]
    public sealed class OpenImportConnectionResults : ImportResults
    {
        public OpenImportConnectionResults()
        {
        }

        public OpenImportConnectionResults(string customData)
            : base(customData)
        {
        }
    }

    [Serializable]
    public sealed class GetImportEntriesResults : ImportResults
    {
        /// <summary>CSEntries stays null: assign it yourself.</summary>
        [EditorBrowsable(EditorBrowsableState.Never)]
        public GetImportEntriesResults()
        {
        }

        public GetImportEntriesResults(string customData, bool moreToImport, IList<CSEntryChange> csentries)
            : base(customData)
        {
            MoreToImport = moreToImport;
            CSEntries = csentries;
        }

        public bool MoreToImport { get; set; }

        [XmlElement]
        public IList<CSEntryChange> CSEntries { get; set; }
    }

    [Serializable]
    public sealed class CloseImportConnectionResults : ImportResults
    {
        public CloseImportConnectionResults()
        {
        }

        public CloseImportConnectionResults(string customData)
            : base(customData)
        {
        }
    }

    [Serializable]
    public sealed class WriteImportFileResults : ImportResults
    {
        public WriteImportFileResults()
        {
        }

        public WriteImportFileResults(string customData)
            : base(customData)
        {
        }
    }

    [Serializable]
    public class ExportRunStep
    {
        private readonly OperationType exportType;

        [EditorBrowsable(EditorBrowsableState.Never)]
        protected ExportRunStep()
        {
        }

        [EditorBrowsable(EditorBrowsableState.Never)]
        protected ExportRunStep(OperationType exportType)
        {
            this.exportType = exportType;
        }

        public OperationType ExportType
        {
            get { return exportType; }
        }
    }

    [Serializable]
    public sealed class OpenExportConnectionRunStep : ExportRunStep
    {
        private readonly Partition stepPartition;
        private readonly int batchSize;
        private readonly IList<HierarchyNode> inclusionHierarchyNodes;
        private readonly IList<HierarchyNode> exclusionHierarchyNodes;

        [EditorBrowsable(EditorBrowsableState.Never)]
        public OpenExportConnectionRunStep()
            : this(null, 1, OperationType.Full, null, null)
        {
        }

        [EditorBrowsable(EditorBrowsableState.Never)]
        public OpenExportConnectionRunStep(Partition partition, int batchSize, OperationType exportType, IList<HierarchyNode> inclusionHierarchyNodes, IList<HierarchyNode> exclusionHierarchyNodes)
            : base(exportType)
        {
            stepPartition = partition;
            this.batchSize = batchSize;
            this.inclusionHierarchyNodes = inclusionHierarchyNodes;
            this.exclusionHierarchyNodes = exclusionHierarchyNodes;
        }

        public int BatchSize
        {
            get { return batchSize; }
        }

        public Partition StepPartition
        {
            get { return stepPartition; }
        }

        public IList<HierarchyNode> InclusionHierarchyNodes
        {
            get { return inclusionHierarchyNodes; }
        }

        public IList<HierarchyNode> ExclusionHierarchyNodes
        {
            get { return exclusionHierarchyNodes; }
        }
    }

    /// <summary>Not derived from ExportRunStep.</summary>
    [Serializable]
    public sealed class CloseExportConnectionRunStep
    {
        private readonly CloseReason reason;

        [EditorBrowsable(EditorBrowsableState.Never)]
        public CloseExportConnectionRunStep()
            : this(CloseReason.Normal)
        {
        }

        [EditorBrowsable(EditorBrowsableState.Never)]
        public CloseExportConnectionRunStep(CloseReason reason)
        {
            this.reason = reason;
        }

        public CloseReason Reason
        {
            get { return reason; }
        }
    }

    /// <summary>File-based export step: engine-created.</summary>
    public abstract class ReadExportFileRunStep : ExportRunStep
    {
        private readonly Partition stepPartition;

        [EditorBrowsable(EditorBrowsableState.Never)]
        protected ReadExportFileRunStep()
        {
        }

        [EditorBrowsable(EditorBrowsableState.Never)]
        protected ReadExportFileRunStep(Partition partition, OperationType exportType)
            : base(exportType)
        {
            stepPartition = partition;
        }

        public abstract string FilePath { get; }

        public Partition StepPartition
        {
            get { return stepPartition; }
        }
    }

    [Serializable]
    public sealed class PutExportEntriesResults
    {
        private readonly KeyedCollection<Guid, CSEntryChangeResult> csentryChangeResults = new CSEntryChangeResultKeyedCollectionDetached();

        public PutExportEntriesResults()
        {
        }

        /// <summary>Adds each element; a null list throws NullReferenceException, a repeated Identifier ArgumentException.</summary>
        public PutExportEntriesResults(IList<CSEntryChangeResult> csentryChangeResults)
        {
            foreach (CSEntryChangeResult result in csentryChangeResults)
            {
                this.csentryChangeResults.Add(result);
            }
        }

        public KeyedCollection<Guid, CSEntryChangeResult> CSEntryChangeResults
        {
            get { return csentryChangeResults; }
        }
    }

    /// <summary>No public constructor (ecma2-api.md §10.1).</summary>
    [Serializable]
    public sealed class Partition
    {
        private readonly Guid identifier;
        private readonly string dn;
        private readonly string name;

        private Partition(Guid identifier, string dn, string name)
        {
            this.identifier = identifier;
            this.dn = string.IsNullOrEmpty(dn) ? identifier.ToString() : dn;
            this.name = name;
        }

        public Guid Identifier
        {
            get { return identifier; }
        }

        public string DN
        {
            get { return dn; }
        }

        public string Name
        {
            get { return name; }
        }

        public bool HiddenByDefault { get; set; }

        /// <summary>A null or empty dn becomes identifier.ToString().</summary>
        public static Partition Create(Guid identifier, string dn, string name)
        {
            return new Partition(identifier, dn, name);
        }

        public static Partition Create(Guid identifier, string dn)
        {
            return new Partition(identifier, dn, string.Empty);
        }
    }

    /// <summary>No public constructor (ecma2-api.md §10.2).</summary>
    [Serializable]
    public sealed class HierarchyNode
    {
        private readonly string dn;
        private readonly string displayName;

        private HierarchyNode(string dn, string displayName)
        {
            this.dn = dn;
            this.displayName = displayName;
        }

        public string DN
        {
            get { return dn; }
        }

        public string DisplayName
        {
            get { return displayName; }
        }

        public static HierarchyNode Create(string dn, string displayName)
        {
            return new HierarchyNode(dn, displayName);
        }
    }
}
