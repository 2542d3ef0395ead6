using System;
using System.ComponentModel;

namespace Microsoft.MetadirectoryServices
{
    // ECMA1 and rules-extension types (ecma2-api.md §14), not used by ECMA2 connectors. Interfaces carry
    // the members §14 lists; the engine-implemented support classes are declared as abstract shells
    // (protected constructors, members not reproduced) so that code naming them compiles.

    public enum ModificationType
    {
        Add = 0,
        Replace = 1,
        Delete = 2,
    }

    public enum AttribFlags
    {
        None = 0,
        MultiValued = 1,
        Encrypted = 2,
        ExportOnly = 4,
    }

    public enum DeprovisionAction
    {
        Disconnect = 1,
        ExplicitDisconnect = 2,
        Delete = 3,
    }

    /// <summary>File-based (ECMA1-style) change-type metadata; also referenced by Schema.</summary>
    [Serializable]
    public abstract class ChangeTypeDescription
    {
        [EditorBrowsable(EditorBrowsableState.Never)]
        protected ChangeTypeDescription()
        {
        }

        public abstract string AttributeName { get; }

        public abstract string Add { get; }

        public abstract string Modify { get; }

        public abstract string Delete { get; }
    }

    public interface IMAExtensibleFileImport
    {
        void GenerateImportFile(string fileName, string connectTo, string user, string password, ConfigParameterCollection configParameters, bool fFullImport, TypeDescriptionCollection types, ref string customData);
    }

    public interface IMAExtensibleFileExport
    {
        void DeliverExportFile(string fileName, string connectTo, string user, string password, ConfigParameterCollection configParameters, TypeDescriptionCollection types);
    }

    public interface IMAExtensibleCallExport
    {
        void BeginExport(string connectTo, string user, string password, ConfigParameterCollection configParameters, TypeDescriptionCollection types);

        void ExportEntry(ModificationType modificationType, string[] changedAttributes, CSEntry csentry);

        void EndExport();
    }

    public interface IMAPasswordManagement
    {
        void BeginConnectionToServer(string connectTo, string user, string password);

        void EndConnectionToServer();

        ConnectionSecurityLevel GetConnectionSecurityLevel();

        void SetPassword(CSEntry csentry, string NewPassword);

        void ChangePassword(CSEntry csentry, string OldPassword, string NewPassword);

        void RequireChangePasswordOnNextLogin(CSEntry csentry, bool fRequireChangePasswordOnNextLogin);
    }

    // The rules-extension interfaces below are not spelled out in ecma2-api.md; their members follow
    // Microsoft's published FIM/MIM SDK reference for IMASynchronization and IMVSynchronization.

    public interface IMASynchronization
    {
        void Initialize();

        void Terminate();

        bool ShouldProjectToMV(CSEntry csentry, out string MVObjectType);

        DeprovisionAction Deprovision(CSEntry csentry);

        bool FilterForDisconnection(CSEntry csentry);

        void MapAttributesForJoin(string FlowRuleName, CSEntry csentry, ref ValueCollection values);

        bool ResolveJoinSearch(string joinCriteriaName, CSEntry csentry, MVEntry[] rgmventry, out int imventry, ref string MVObjectType);

        void MapAttributesForImport(string FlowRuleName, CSEntry csentry, MVEntry mventry);

        void MapAttributesForExport(string FlowRuleName, MVEntry mventry, CSEntry csentry);
    }

    public interface IMVSynchronization
    {
        void Initialize();

        void Terminate();

        void Provision(MVEntry mventry);

        bool ShouldDeleteFromMV(CSEntry csentry, MVEntry mventry);
    }

    public abstract class ConfigParameterCollection
    {
        [EditorBrowsable(EditorBrowsableState.Never)]
        protected ConfigParameterCollection()
        {
        }
    }

    public abstract class ConfigParameterEnumerator
    {
        [EditorBrowsable(EditorBrowsableState.Never)]
        protected ConfigParameterEnumerator()
        {
        }
    }

    public abstract class TypeDescription
    {
        [EditorBrowsable(EditorBrowsableState.Never)]
        protected TypeDescription()
        {
        }
    }

    public abstract class TypeDescriptionCollection
    {
        [EditorBrowsable(EditorBrowsableState.Never)]
        protected TypeDescriptionCollection()
        {
        }
    }

    public abstract class TypeDescriptionEnumerator
    {
        [EditorBrowsable(EditorBrowsableState.Never)]
        protected TypeDescriptionEnumerator()
        {
        }
    }

    public abstract class AttributeDescription
    {
        [EditorBrowsable(EditorBrowsableState.Never)]
        protected AttributeDescription()
        {
        }
    }

    public abstract class AttributeDescriptionCollection
    {
        [EditorBrowsable(EditorBrowsableState.Never)]
        protected AttributeDescriptionCollection()
        {
        }
    }

    public abstract class AttributeDescriptionEnumerator
    {
        [EditorBrowsable(EditorBrowsableState.Never)]
        protected AttributeDescriptionEnumerator()
        {
        }
    }

    public abstract class MVEntry
    {
        [EditorBrowsable(EditorBrowsableState.Never)]
        protected MVEntry()
        {
        }
    }

    public abstract class ConnectedMACollection
    {
        [EditorBrowsable(EditorBrowsableState.Never)]
        protected ConnectedMACollection()
        {
        }
    }

    public abstract class ConnectedMACollectionEnumerator
    {
        [EditorBrowsable(EditorBrowsableState.Never)]
        protected ConnectedMACollectionEnumerator()
        {
        }
    }

    public abstract class ConnectorCollection
    {
        [EditorBrowsable(EditorBrowsableState.Never)]
        protected ConnectorCollection()
        {
        }
    }

    public abstract class ConnectorCollectionByDN
    {
        [EditorBrowsable(EditorBrowsableState.Never)]
        protected ConnectorCollectionByDN()
        {
        }
    }

    public abstract class ConnectorCollectionByIndex
    {
        [EditorBrowsable(EditorBrowsableState.Never)]
        protected ConnectorCollectionByIndex()
        {
        }
    }

    public abstract class ConnectorCollectionEnumerator
    {
        [EditorBrowsable(EditorBrowsableState.Never)]
        protected ConnectorCollectionEnumerator()
        {
        }
    }

    public abstract class ManagementAgentCollection
    {
        [EditorBrowsable(EditorBrowsableState.Never)]
        protected ManagementAgentCollection()
        {
        }
    }

    public abstract class ManagementAgentEnumerator
    {
        [EditorBrowsable(EditorBrowsableState.Never)]
        protected ManagementAgentEnumerator()
        {
        }
    }

    public abstract class TransactionPropertyCollection
    {
        [EditorBrowsable(EditorBrowsableState.Never)]
        protected TransactionPropertyCollection()
        {
        }
    }
}
