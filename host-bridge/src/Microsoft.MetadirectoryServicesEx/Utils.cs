using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.ComponentModel;
using System.Globalization;
using System.Text;
using Microsoft.MetadirectoryServices.DetachedObjectModel;
#if NETFRAMEWORK
using System.Security.AccessControl;
#endif

namespace Microsoft.MetadirectoryServices
{
    // Static helpers (ecma2-api.md §13). Members that need the engine-installed service objects take
    // their value from AppDomain data a test may set (no extra public members), else throw.

    internal static class EngineServices
    {
        internal const string MAFolderKey = "Microsoft.MetadirectoryServices.MAFolder";
        internal const string WorkingDirectoryKey = "Microsoft.MetadirectoryServices.WorkingDirectory";
        internal const string InPreviewModeKey = "Microsoft.MetadirectoryServices.InPreviewMode";

        internal static object Get(string key, string member)
        {
            object value = AppDomain.CurrentDomain.GetData(key);
            if (value == null)
            {
                throw NotInEngine(member);
            }

            return value;
        }

        internal static InvalidOperationException NotInEngine(string member)
        {
            return new InvalidOperationException(member + " only works inside MIM Sync (the Microsoft Identity Manager synchronization engine); this is the build-and-test stand-in of Microsoft.MetadirectoryServicesEx.");
        }
    }

    public abstract class Utils
    {
        [EditorBrowsable(EditorBrowsableState.Never)]
        protected Utils()
        {
        }

        /// <summary>AppDomain.CurrentDomain.SetupInformation.ShadowCopyDirectories on .NET Framework; null on .NET (no such setting).</summary>
        public static string ExtensionsDirectory
        {
            get
            {
#if NETFRAMEWORK
                return AppDomain.CurrentDomain.SetupInformation.ShadowCopyDirectories;
#else
                return null;
#endif
            }
        }

        /// <summary>Engine service: AppDomain data "Microsoft.MetadirectoryServices.WorkingDirectory" when a test set it.</summary>
        public static string WorkingDirectory
        {
            get { return EngineServices.Get(EngineServices.WorkingDirectoryKey, "Utils.WorkingDirectory") as string; }
        }

        /// <summary>Engine service: AppDomain data "Microsoft.MetadirectoryServices.InPreviewMode" (a bool) when a test set it.</summary>
        public static bool InPreviewMode
        {
            get { return Convert.ToBoolean(EngineServices.Get(EngineServices.InPreviewModeKey, "Utils.InPreviewMode"), CultureInfo.InvariantCulture); }
        }

        /// <summary>Engine service: throws InvalidOperationException outside MIM Sync.</summary>
        public static ManagementAgentCollection MAs
        {
            get { throw EngineServices.NotInEngine("Utils.MAs"); }
        }

        /// <summary>Engine service: throws InvalidOperationException outside MIM Sync.</summary>
        public static TransactionPropertyCollection TransactionProperties
        {
            get { throw EngineServices.NotInEngine("Utils.TransactionProperties"); }
        }

        public static CSEntryChange CreateCSEntryChange()
        {
            return CSEntryChange.Create();
        }

        public static CSEntryChangeResult CreateCSEntryChangeResult(Guid identifier, IList<AttributeChange> attributeChanges, MAExportError errorCode)
        {
            return new CSEntryChangeResultDetached(identifier, attributeChanges, errorCode, null, null);
        }

        public static CSEntryChangeResult CreateCSEntryChangeResult(Guid identifier, IList<AttributeChange> attributeChanges, MAExportError errorCode, string errorName, string errorDetail)
        {
            return new CSEntryChangeResultDetached(identifier, attributeChanges, errorCode, errorName, errorDetail);
        }

        public static KeyedCollection<Guid, CSEntryChangeResult> CreateCSEntryChangeResultCollection()
        {
            return new CSEntryChangeResultKeyedCollectionDetached();
        }

        public static AnchorAttribute CreateAnchorAttribute(string attributeName, object value)
        {
            return new AnchorAttributeDetached(attributeName, AttributeType.Undefined, value);
        }

        /// <summary>Empty value list, no null checks (the parameter really is named attributeChange).</summary>
        public static AttributeChange CreateAttributeChange(string attributeChange, AttributeModificationType attributeModificationType)
        {
            return new AttributeChangeDetached(attributeChange, attributeModificationType, new List<ValueChange>());
        }

        /// <summary>By runtime type name: String for String/Reference, Int16/Int32/Int64 for Integer, Byte[] for Binary, Boolean; null is never compatible.</summary>
        public static bool IsTypeCompatible(object attributeValue, AttributeType attributeType)
        {
            if (attributeValue == null)
            {
                return false;
            }

            switch (attributeValue.GetType().Name)
            {
                case "String":
                    return attributeType == AttributeType.String || attributeType == AttributeType.Reference;
                case "Int16":
                case "Int32":
                case "Int64":
                    return attributeType == AttributeType.Integer;
                case "Byte[]":
                    return attributeType == AttributeType.Binary;
                case "Boolean":
                    return attributeType == AttributeType.Boolean;
                default:
                    return false;
            }
        }

        public static string GetAttributeTypeName(AttributeType attributeType)
        {
            switch (attributeType)
            {
                case AttributeType.String:
                case AttributeType.Reference:
                    return "String";
                case AttributeType.Integer:
                    return "Integer";
                case AttributeType.Binary:
                    return "Binary";
                case AttributeType.Boolean:
                    return "Boolean";
                default:
                    return null;
            }
        }

        /// <summary>Engine service: throws InvalidOperationException outside MIM Sync.</summary>
        public static void GetAttributeType(string attributeName, out AttributeType type, out bool isMultivalued)
        {
            throw EngineServices.NotInEngine("Utils.GetAttributeType");
        }

        /// <summary>Binary SID to "S-1-5-21-…" (managed conversion, works on every platform).</summary>
        public static string ConvertSidToString(byte[] sid)
        {
            if (sid == null)
            {
                throw new ArgumentNullException("sid");
            }

            if (sid.Length < 8 || sid.Length != 8 + (4 * sid[1]))
            {
                throw new ArgumentException("Not a binary security identifier.", "sid");
            }

            ulong authority = 0;
            for (int i = 2; i < 8; i++)
            {
                authority = (authority << 8) | sid[i];
            }

            StringBuilder text = new StringBuilder();
            text.Append("S-").Append(sid[0].ToString(CultureInfo.InvariantCulture)).Append('-');
            text.Append(authority < 0x100000000UL ? authority.ToString(CultureInfo.InvariantCulture) : "0x" + authority.ToString("X12", CultureInfo.InvariantCulture));
            for (int i = 0; i < sid[1]; i++)
            {
                uint sub = BitConverterLittleEndian(sid, 8 + (4 * i));
                text.Append('-').Append(sub.ToString(CultureInfo.InvariantCulture));
            }

            return text.ToString();
        }

        /// <summary>"S-1-5-21-…" to a binary SID (managed conversion, works on every platform).</summary>
        public static byte[] ConvertStringToSid(string textSid)
        {
            if (textSid == null)
            {
                throw new ArgumentNullException("textSid");
            }

            string[] parts = textSid.Split('-');
            if (parts.Length < 3 || parts.Length > 18 || !string.Equals(parts[0], "S", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException("Not a security identifier string.", "textSid");
            }

            try
            {
                byte revision = byte.Parse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture);
                ulong authority = parts[2].StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                    ? ulong.Parse(parts[2].Substring(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture)
                    : ulong.Parse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture);
                int subCount = parts.Length - 3;
                byte[] sid = new byte[8 + (4 * subCount)];
                sid[0] = revision;
                sid[1] = (byte)subCount;
                for (int i = 7; i >= 2; i--)
                {
                    sid[i] = (byte)(authority & 0xFF);
                    authority >>= 8;
                }

                for (int i = 0; i < subCount; i++)
                {
                    uint sub = uint.Parse(parts[3 + i], NumberStyles.None, CultureInfo.InvariantCulture);
                    int offset = 8 + (4 * i);
                    sid[offset] = (byte)sub;
                    sid[offset + 1] = (byte)(sub >> 8);
                    sid[offset + 2] = (byte)(sub >> 16);
                    sid[offset + 3] = (byte)(sub >> 24);
                }

                return sid;
            }
            catch (FormatException e)
            {
                throw new ArgumentException("Not a security identifier string.", "textSid", e);
            }
            catch (OverflowException e)
            {
                throw new ArgumentException("Not a security identifier string.", "textSid", e);
            }
        }

        /// <summary>Win32-backed: works in the .NET Framework build on Windows; PlatformNotSupportedException in the .NET build.</summary>
        public static byte[] ConvertStringToSecurityDescriptor(string sddl)
        {
#if NETFRAMEWORK
            RawSecurityDescriptor descriptor = new RawSecurityDescriptor(sddl);
            byte[] binary = new byte[descriptor.BinaryLength];
            descriptor.GetBinaryForm(binary, 0);
            return binary;
#else
            throw new PlatformNotSupportedException("Utils.ConvertStringToSecurityDescriptor uses Win32 (.NET Framework on Windows).");
#endif
        }

        /// <summary>Win32-backed: works in the .NET Framework build on Windows; PlatformNotSupportedException in the .NET build.</summary>
        public static string ConvertSecurityDescriptorToString(byte[] sd)
        {
#if NETFRAMEWORK
            return new RawSecurityDescriptor(sd, 0).GetSddlForm(AccessControlSections.All);
#else
            throw new PlatformNotSupportedException("Utils.ConvertSecurityDescriptorToString uses Win32 (.NET Framework on Windows).");
#endif
        }

        /// <summary>Byte-wise comparison of the common prefix, then by length (null sorts first).</summary>
        public static int BinaryCompare(byte[] rgb1, byte[] rgb2)
        {
            if (rgb1 == null || rgb2 == null)
            {
                return (rgb1 == null ? 0 : 1) - (rgb2 == null ? 0 : 1);
            }

            int common = Math.Min(rgb1.Length, rgb2.Length);
            for (int i = 0; i < common; i++)
            {
                if (rgb1[i] != rgb2[i])
                {
                    return rgb1[i] < rgb2[i] ? -1 : 1;
                }
            }

            return rgb1.Length.CompareTo(rgb2.Length);
        }

        /// <summary>ArrayList.Contains that compares byte arrays by content.</summary>
        public static bool ContainsOverride(ArrayList arraylist, object val)
        {
            byte[] binary = val as byte[];
            foreach (object item in arraylist)
            {
                byte[] itemBinary = item as byte[];
                if (binary != null && itemBinary != null)
                {
                    if (BinaryCompare(binary, itemBinary) == 0)
                    {
                        return true;
                    }
                }
                else if (object.Equals(item, val))
                {
                    return true;
                }
            }

            return false;
        }

        private static uint BitConverterLittleEndian(byte[] bytes, int offset)
        {
            return (uint)(bytes[offset] | (bytes[offset + 1] << 8) | (bytes[offset + 2] << 16) | (bytes[offset + 3] << 24));
        }
    }

    public abstract class MAUtils
    {
        [EditorBrowsable(EditorBrowsableState.Never)]
        protected MAUtils()
        {
        }

        /// <summary>
        /// The MA's private data folder. Stand-in: AppDomain data "Microsoft.MetadirectoryServices.MAFolder"
        /// when a test set it, else InvalidOperationException (only MIM Sync knows the folder).
        /// </summary>
        public static string MAFolder
        {
            get
            {
                string folder = AppDomain.CurrentDomain.GetData(EngineServices.MAFolderKey) as string;
                if (folder == null)
                {
                    throw EngineServices.NotInEngine("MAUtils.MAFolder");
                }

                return folder;
            }
        }
    }

    /// <summary>
    /// Provisioning helpers for AD/Exchange MAs (rules extensions only). ecma2-api.md §13 names its static
    /// members (CreateMailbox, CreateMailEnabledContact, ...) without signatures: the stand-in declares the
    /// class and its public constructor only.
    /// </summary>
    public class ExchangeUtils
    {
        public ExchangeUtils()
        {
        }
    }

    /// <summary>The engine subclasses this to serve Utils; shape only.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public abstract class UtilsServices
    {
        [EditorBrowsable(EditorBrowsableState.Never)]
        protected UtilsServices()
        {
        }
    }

    /// <summary>The engine subclasses this to serve MAUtils; shape only.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public abstract class MAUtilsServices
    {
        [EditorBrowsable(EditorBrowsableState.Never)]
        protected MAUtilsServices()
        {
        }
    }
}
