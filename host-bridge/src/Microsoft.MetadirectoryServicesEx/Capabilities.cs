using System;

namespace Microsoft.MetadirectoryServices
{
    public enum MADistinguishedNameStyle
    {
        None = 0,
        Generic = 1,
        Ldap = 2,
    }

    // No 0 and no 4: the gaps matter for persisted configurations and capability bits. Not [Flags].
    public enum MAExportType
    {
        AttributeUpdate = 1,
        AttributeReplace = 2,
        ObjectReplace = 3,
        MultivaluedReferenceAttributeUpdate = 5,
    }

    [Flags]
    public enum MANormalizations
    {
        None = 0,
        Uppercase = 1,
        RemoveAccents = 2,
    }

    // 3 = NoDelete (1) | NoAdd (2, not exposed as a member). Not [Flags].
    public enum MAObjectConfirmation
    {
        Normal = 0,
        NoDeleteConfirmation = 1,
        NoAddAndDeleteConfirmation = 3,
    }

    /// <summary>What the MA can do (ecma2-api.md §4.1). The defaults are not "all false".</summary>
    [Serializable]
    public sealed class MACapabilities
    {
        private MADistinguishedNameStyle distinguishedNameStyle = MADistinguishedNameStyle.Generic;

        public MACapabilities()
        {
            ObjectRename = true;
            NoReferenceValuesInFirstExport = false;
            DeltaImport = true;
            ConcurrentOperation = true;
            DeleteAddAsReplace = true;
            ExportPasswordInFirstPass = false;
            FullExport = false;
            ObjectConfirmation = MAObjectConfirmation.Normal;
            ExportType = MAExportType.ObjectReplace;
            Normalizations = MANormalizations.None;
            IsDNAsAnchor = false;
            SupportImport = true;
            SupportExport = true;
            SupportPartitions = true;
            SupportPassword = true;
            SupportHierarchy = true;
        }

        /// <summary>Assigning <see cref="MADistinguishedNameStyle.None"/> also forces <see cref="ObjectRename"/> to false.</summary>
        public MADistinguishedNameStyle DistinguishedNameStyle
        {
            get { return distinguishedNameStyle; }
            set
            {
                distinguishedNameStyle = value;
                if (value == MADistinguishedNameStyle.None)
                {
                    ObjectRename = false;
                }
            }
        }

        public bool ObjectRename { get; set; }

        public bool NoReferenceValuesInFirstExport { get; set; }

        public bool DeltaImport { get; set; }

        public bool ConcurrentOperation { get; set; }

        public bool DeleteAddAsReplace { get; set; }

        public bool ExportPasswordInFirstPass { get; set; }

        public bool FullExport { get; set; }

        public MAObjectConfirmation ObjectConfirmation { get; set; }

        public MAExportType ExportType { get; set; }

        public MANormalizations Normalizations { get; set; }

        public bool IsDNAsAnchor { get; set; }

        public bool SupportImport { get; set; }

        public bool SupportExport { get; set; }

        public bool SupportPartitions { get; set; }

        public bool SupportPassword { get; set; }

        public bool SupportHierarchy { get; set; }
    }
}
