using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Text;

namespace Microsoft.MetadirectoryServices.DetachedObjectModel
{
    // The concrete object model MIM 2016's factories instantiate (ecma2-api.md §9.7).

    [Serializable]
    public class CSEntryChangeDetached : CSEntryChange
    {
        private readonly Guid identifier;
        private readonly IList<string> changedAttributeNames;
        private readonly AttributeChangeKeyedCollectionDetached attributeChanges;
        private readonly AnchorAttributeKeyedCollectionDetached anchorAttributes = new AnchorAttributeKeyedCollectionDetached();
        private ObjectModificationType objectModificationType;

        /// <summary>Stores modificationType without validation (the engine builds Update/Delete objects directly).</summary>
        public CSEntryChangeDetached(Guid identifier, ObjectModificationType modificationType, MAImportError eCodeImport, IList<string> changedAttributeNames)
        {
            this.identifier = identifier;
            objectModificationType = modificationType;
            ErrorCodeImport = eCodeImport;
            this.changedAttributeNames = changedAttributeNames;
            attributeChanges = new AttributeChangeKeyedCollectionDetached(this);
        }

        /// <summary>Settable once, to Add, Replace, Update or Delete.</summary>
        public override ObjectModificationType ObjectModificationType
        {
            get
            {
                return objectModificationType;
            }

            set
            {
                if (objectModificationType != ObjectModificationType.Unconfigured)
                {
                    throw new InvalidOperationException("ObjectModificationType has already been set.");
                }

                DetachedUtils.ValidateObjectModificationType(value);
                objectModificationType = value;
            }
        }

        /// <summary>The list given to the constructor, else a read-only snapshot of the AttributeChanges names.</summary>
        public override IList<string> ChangedAttributeNames
        {
            get
            {
                if (changedAttributeNames != null)
                {
                    return changedAttributeNames;
                }

                List<string> names = new List<string>(attributeChanges.Count);
                foreach (AttributeChange change in attributeChanges)
                {
                    names.Add(change.Name);
                }

                return new ReadOnlyCollection<string>(names);
            }
        }

        public override Guid Identifier
        {
            get { return identifier; }
        }

        public override string DN { get; set; }

        /// <summary>First unescaped-comma component of DN; null for an empty DN; NullReferenceException for a null DN.</summary>
        public override string RDN
        {
            get
            {
                string[] components = DetachedUtils.SplitDN(DN);
                return components.Length == 0 ? null : components[0];
            }
        }

        public override string ObjectType { get; set; }

        public override MAImportError ErrorCodeImport { get; set; }

        public override KeyedCollection<string, AttributeChange> AttributeChanges
        {
            get { return attributeChanges; }
        }

        public override KeyedCollection<string, AnchorAttribute> AnchorAttributes
        {
            get { return anchorAttributes; }
        }

        public override string ErrorName { get; set; }

        public override string ErrorDetail { get; set; }
    }

    [Serializable]
    public class AttributeChangeDetached : AttributeChange
    {
        private readonly string name;
        private readonly AttributeModificationType modificationType;
        private readonly IList<ValueChange> valueChanges;
        private readonly AttributeType dataType;
        private readonly bool isMultiValued;
        private readonly bool isAnchor;

        /// <summary>DataType Undefined, multi-valued.</summary>
        public AttributeChangeDetached(string attributeName, AttributeModificationType attributeModificationType, IList<ValueChange> valueChanges)
            : this(attributeName, attributeModificationType, valueChanges, AttributeType.Undefined, true, false)
        {
        }

        public AttributeChangeDetached(string attributeName, AttributeModificationType attributeModificationType, IList<ValueChange> valueChanges, AttributeType attributeType, bool isMultiValued, bool isAnchor)
        {
            name = attributeName;
            modificationType = attributeModificationType;
            this.valueChanges = valueChanges == null ? new List<ValueChange>() : new List<ValueChange>(valueChanges);
            dataType = attributeType;
            this.isMultiValued = isMultiValued;
            this.isAnchor = isAnchor;
        }

        /// <summary>A null schema throws ArgumentNullException("attributeSchema"); a null list becomes an empty list.</summary>
        public AttributeChangeDetached(SchemaAttribute attributeSchema, AttributeModificationType attributeModificationType, IList<ValueChange> valueChanges)
            : this(NameOf(attributeSchema), attributeModificationType, valueChanges, attributeSchema.DataType, attributeSchema.IsMultiValued, attributeSchema.IsAnchor)
        {
        }

        public override string Name
        {
            get { return name; }
        }

        public override AttributeType DataType
        {
            get { return dataType; }
        }

        public override bool IsMultiValued
        {
            get { return isMultiValued; }
        }

        public override AttributeModificationType ModificationType
        {
            get { return modificationType; }
        }

        public override IList<ValueChange> ValueChanges
        {
            get { return valueChanges; }
        }

        internal bool IsAnchor
        {
            get { return isAnchor; }
        }

        private static string NameOf(SchemaAttribute attributeSchema)
        {
            if (attributeSchema == null)
            {
                throw new ArgumentNullException("attributeSchema");
            }

            return attributeSchema.Name;
        }
    }

    [Serializable]
    public class AnchorAttributeDetached : AnchorAttribute
    {
        private readonly string name;
        private readonly AttributeType dataType;
        private readonly object value;

        public AnchorAttributeDetached(string attributeName, AttributeType dataType, object value)
        {
            name = attributeName;
            this.dataType = dataType;
            this.value = value;
        }

        public override string Name
        {
            get { return name; }
        }

        public override AttributeType DataType
        {
            get { return dataType; }
        }

        public override object Value
        {
            get { return value; }
        }
    }

    [Serializable]
    public class CSEntryChangeResultDetached : CSEntryChangeResult
    {
        private readonly Guid identifier;
        private readonly AttributeChangeKeyedCollectionDetached anchorAttributes = new AttributeChangeKeyedCollectionDetached(null);
        private readonly MAExportError errorCode;
        private readonly string errorName;
        private readonly string errorDetail;

        /// <summary>A null list gives an empty AnchorAttributes; duplicate names throw ArgumentException.</summary>
        public CSEntryChangeResultDetached(Guid identifier, IList<AttributeChange> updatedAnchorAttributes, MAExportError errorCode, string errorName, string errorDetail)
        {
            this.identifier = identifier;
            if (updatedAnchorAttributes != null)
            {
                foreach (AttributeChange change in updatedAnchorAttributes)
                {
                    anchorAttributes.Add(change);
                }
            }

            this.errorCode = errorCode;
            this.errorName = errorName;
            this.errorDetail = errorDetail;
        }

        public override Guid Identifier
        {
            get { return identifier; }
        }

        public override KeyedCollection<string, AttributeChange> AnchorAttributes
        {
            get { return anchorAttributes; }
        }

        public override MAExportError ErrorCode
        {
            get { return errorCode; }
        }

        public override string ErrorName
        {
            get { return errorName; }
        }

        public override string ErrorDetail
        {
            get { return errorDetail; }
        }
    }

    /// <summary>Attribute changes of one object; validates each addition against the owner (ecma2-api.md §9.3 rule 3).</summary>
    [Serializable]
    public class AttributeChangeKeyedCollectionDetached : KeyedCollection<string, AttributeChange>
    {
        private readonly CSEntryChange owner;

        internal AttributeChangeKeyedCollectionDetached(CSEntryChange owner)
        {
            this.owner = owner;
        }

        protected override string GetKeyForItem(AttributeChange item)
        {
            return item.Name;
        }

        protected override void InsertItem(int index, AttributeChange item)
        {
            if (owner != null)
            {
                DetachedUtils.ValidateAttributeChange(owner, item);
            }

            base.InsertItem(index, item);
        }

        protected override void SetItem(int index, AttributeChange item)
        {
            if (owner != null)
            {
                DetachedUtils.ValidateAttributeChange(owner, item);
            }

            base.SetItem(index, item);
        }
    }

    [Serializable]
    public class AnchorAttributeKeyedCollectionDetached : KeyedCollection<string, AnchorAttribute>
    {
        public AnchorAttributeKeyedCollectionDetached()
        {
        }

        protected override string GetKeyForItem(AnchorAttribute item)
        {
            return item.Name;
        }
    }

    [Serializable]
    public class CSEntryChangeResultKeyedCollectionDetached : KeyedCollection<Guid, CSEntryChangeResult>
    {
        public CSEntryChangeResultKeyedCollectionDetached()
        {
        }

        protected override Guid GetKeyForItem(CSEntryChangeResult item)
        {
            return item.Identifier;
        }
    }

    public static class DetachedUtils
    {
        public const string DNAttributeName = "DN";

        /// <summary>Splits on unescaped commas; a backslash escapes the next character and is kept.</summary>
        public static string[] SplitDN(string dn)
        {
            List<string> components = new List<string>();
            if (dn.Length == 0)
            {
                return components.ToArray();
            }

            StringBuilder current = new StringBuilder();
            for (int i = 0; i < dn.Length; i++)
            {
                char c = dn[i];
                if (c == '\\' && i + 1 < dn.Length)
                {
                    current.Append(c).Append(dn[i + 1]);
                    i++;
                }
                else if (c == ',')
                {
                    components.Add(current.ToString());
                    current.Length = 0;
                }
                else
                {
                    current.Append(c);
                }
            }

            components.Add(current.ToString());
            return components.ToArray();
        }

        /// <summary>Only Add, Replace, Update and Delete are valid.</summary>
        public static void ValidateObjectModificationType(ObjectModificationType objectModificationType)
        {
            switch (objectModificationType)
            {
                case ObjectModificationType.Add:
                case ObjectModificationType.Replace:
                case ObjectModificationType.Update:
                case ObjectModificationType.Delete:
                    return;
                default:
                    throw new InvalidOperationException(string.Format(CultureInfo.InvariantCulture, "ObjectModificationType {0} is not valid.", objectModificationType));
            }
        }

        /// <summary>Add/Replace objects take Add only; Update objects take Add, Replace, Update, Delete; Delete objects none.</summary>
        public static void ValidateAttributeModificationType(ObjectModificationType objectModificationType, AttributeModificationType attributeModificationType)
        {
            bool allowed;
            switch (objectModificationType)
            {
                case ObjectModificationType.Add:
                case ObjectModificationType.Replace:
                    allowed = attributeModificationType == AttributeModificationType.Add;
                    break;
                case ObjectModificationType.Update:
                    allowed = attributeModificationType == AttributeModificationType.Add
                        || attributeModificationType == AttributeModificationType.Replace
                        || attributeModificationType == AttributeModificationType.Update
                        || attributeModificationType == AttributeModificationType.Delete;
                    break;
                default:
                    allowed = false;
                    break;
            }

            if (!allowed)
            {
                throw new ArgumentException(string.Format(CultureInfo.InvariantCulture, "AttributeModificationType {0} is invalid when the ObjectModificationType is set to {1}.", attributeModificationType, objectModificationType));
            }
        }

        /// <summary>The checks applied when an attribute change is added to an object (ecma2-api.md §9.3 rule 3).</summary>
        public static void ValidateAttributeChange(CSEntryChange csEntryChange, AttributeChange attributeChange)
        {
            if (csEntryChange == null)
            {
                throw new ArgumentNullException("csEntryChange");
            }

            if (attributeChange == null)
            {
                throw new ArgumentNullException("attributeChange");
            }

            ValidateObjectModificationType(csEntryChange.ObjectModificationType);
            if (string.Equals(attributeChange.Name, DNAttributeName, StringComparison.OrdinalIgnoreCase))
            {
                IList<ValueChange> values = attributeChange.ValueChanges;
                if (values == null || values.Count == 0 || values[0] == null || values[0].Value == null)
                {
                    throw new InvalidDNException("DN attribute must have a value.");
                }

                return;
            }

            ValidateAttributeModificationType(csEntryChange.ObjectModificationType, attributeChange.ModificationType);
        }
    }
}
