using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;

namespace Microsoft.MetadirectoryServices
{
    [Serializable]
    public enum AttributeType
    {
        String = 0,
        Integer = 1,
        Reference = 2,
        Binary = 3,
        Boolean = 4,
        Undefined = 5,
    }

    [Serializable]
    public enum AttributeOperation
    {
        ImportExport = 0,
        ExportOnly = 1,
        ImportOnly = 2,
    }

    /// <summary>The object types an MA offers (ecma2-api.md §6.1).</summary>
    [Serializable]
    public sealed class Schema
    {
        private readonly ChangeTypeDescription changeType;
        private readonly string objectTypeAttributeName;
        private KeyedCollection<string, SchemaType> types;

        public Schema()
            : this(null, null)
        {
        }

        public Schema(ChangeTypeDescription changeTypeAttributeDescription, string objectTypeAttributeName)
        {
            changeType = changeTypeAttributeDescription;
            this.objectTypeAttributeName = objectTypeAttributeName;
            types = new SchemaTypeKeyedCollection();
        }

        public ChangeTypeDescription ChangeType
        {
            get { return changeType; }
        }

        public string ObjectTypeAttributeName
        {
            get { return objectTypeAttributeName; }
        }

        public KeyedCollection<string, SchemaType> Types
        {
            get { return types; }
        }

        public static Schema Create()
        {
            return new Schema(null, null);
        }

        /// <summary>Replaces Types with a read-only copy and makes every type read-only.</summary>
        public void SetReadOnly()
        {
            types = new ReadOnlySchemaTypeKeyedCollection(types);
            foreach (SchemaType type in types)
            {
                type.SetReadOnly();
            }
        }

        /// <summary>False if one attribute name has two different definitions, or a locked type has no anchor.</summary>
        public bool Validate()
        {
            Dictionary<string, SchemaAttribute> seen = new Dictionary<string, SchemaAttribute>(StringComparer.Ordinal);
            foreach (SchemaType type in types)
            {
                bool hasAnchor = false;
                foreach (SchemaAttribute attribute in type.Attributes)
                {
                    if (attribute.IsAnchor)
                    {
                        hasAnchor = true;
                    }

                    SchemaAttribute previous;
                    if (seen.TryGetValue(attribute.Name, out previous))
                    {
                        if (!previous.Equals(attribute))
                        {
                            return false;
                        }
                    }
                    else
                    {
                        seen.Add(attribute.Name, attribute);
                    }
                }

                if (type.Locked && !hasAnchor)
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>One object type with its attributes (ecma2-api.md §6.2). No public constructor.</summary>
    [Serializable]
    public sealed class SchemaType
    {
        private readonly string name;
        private readonly bool locked;
        private readonly List<string> possibleDNComponentsForProvisioning = new List<string>();
        private KeyedCollection<string, SchemaAttribute> attributes = new SchemaAttributeKeyedCollection();

        internal SchemaType(string typeName, bool lockAnchorDefinition)
        {
            name = typeName;
            locked = lockAnchorDefinition;
        }

        public string Name
        {
            get { return name; }
        }

        public bool Locked
        {
            get { return locked; }
        }

        public KeyedCollection<string, SchemaAttribute> Attributes
        {
            get { return attributes; }
        }

        /// <summary>A new read-only collection of the attributes whose IsAnchor is true, built on each call.</summary>
        public KeyedCollection<string, SchemaAttribute> AnchorAttributes
        {
            get
            {
                List<SchemaAttribute> anchors = new List<SchemaAttribute>();
                foreach (SchemaAttribute attribute in attributes)
                {
                    if (attribute.IsAnchor)
                    {
                        anchors.Add(attribute);
                    }
                }

                return new ReadOnlySchemaAttributeKeyedCollection(anchors);
            }
        }

        public IList<string> PossibleDNComponentsForProvisioning
        {
            get { return possibleDNComponentsForProvisioning; }
        }

        public static SchemaType Create(string typeName, bool lockAnchorDefinition)
        {
            return new SchemaType(typeName, lockAnchorDefinition);
        }

        public void SetReadOnly()
        {
            attributes = new ReadOnlySchemaAttributeKeyedCollection(attributes);
        }
    }

    /// <summary>One attribute of an object type (ecma2-api.md §6.3). No public constructor.</summary>
    [Serializable]
    public sealed class SchemaAttribute
    {
        private readonly string name;
        private readonly AttributeType dataType;
        private readonly bool isMultiValued;
        private readonly bool isAnchor;
        private readonly AttributeOperation allowedAttributeOperation;

        internal SchemaAttribute(string attributeName, AttributeType dataType, bool isMultiValued, bool isAnchor, AttributeOperation allowedAttributeOperation)
        {
            name = attributeName;
            this.dataType = dataType;
            this.isMultiValued = isMultiValued;
            this.isAnchor = isAnchor;
            this.allowedAttributeOperation = allowedAttributeOperation;
        }

        public string Name
        {
            get { return name; }
        }

        public bool IsMultiValued
        {
            get { return isMultiValued; }
        }

        public bool IsAnchor
        {
            get { return isAnchor; }
        }

        public AttributeType DataType
        {
            get { return dataType; }
        }

        public AttributeOperation AllowedAttributeOperation
        {
            get { return allowedAttributeOperation; }
        }

        public bool HiddenByDefault { get; set; }

        public static SchemaAttribute CreateSingleValuedAttribute(string attributeName, AttributeType dataType)
        {
            return CreateSingleValuedAttribute(attributeName, dataType, AttributeOperation.ImportExport);
        }

        public static SchemaAttribute CreateSingleValuedAttribute(string attributeName, AttributeType dataType, AttributeOperation allowedAttributeOperation)
        {
            return new SchemaAttribute(attributeName, dataType, false, false, allowedAttributeOperation);
        }

        public static SchemaAttribute CreateMultiValuedAttribute(string attributeName, AttributeType dataType)
        {
            return CreateMultiValuedAttribute(attributeName, dataType, AttributeOperation.ImportExport);
        }

        public static SchemaAttribute CreateMultiValuedAttribute(string attributeName, AttributeType dataType, AttributeOperation allowedAttributeOperation)
        {
            if (dataType == AttributeType.Boolean)
            {
                throw new NotSupportedException(string.Format(CultureInfo.InvariantCulture, "The specified multivalued attribute {0} cannot be of type boolean.", attributeName));
            }

            return new SchemaAttribute(attributeName, dataType, true, false, allowedAttributeOperation);
        }

        public static SchemaAttribute CreateAnchorAttribute(string attributeName, AttributeType dataType)
        {
            return CreateAnchorAttribute(attributeName, dataType, AttributeOperation.ImportExport);
        }

        public static SchemaAttribute CreateAnchorAttribute(string attributeName, AttributeType dataType, AttributeOperation allowedAttributeOperation)
        {
            if (dataType == AttributeType.Boolean || dataType == AttributeType.Reference)
            {
                throw new NotSupportedException(string.Format(CultureInfo.InvariantCulture, "The specified anchor attribute {0} cannot be of type boolean or reference.", attributeName));
            }

            return new SchemaAttribute(attributeName, dataType, false, true, allowedAttributeOperation);
        }

        /// <summary>Same runtime type, ordinal-equal Name, equal DataType, IsMultiValued and AllowedAttributeOperation.</summary>
        public override bool Equals(object obj)
        {
            if (obj == null || obj.GetType() != GetType())
            {
                return false;
            }

            SchemaAttribute other = (SchemaAttribute)obj;
            return string.Equals(name, other.name, StringComparison.Ordinal)
                && dataType == other.dataType
                && isMultiValued == other.isMultiValued
                && allowedAttributeOperation == other.allowedAttributeOperation;
        }

        public override int GetHashCode()
        {
            return (name == null ? 0 : name.GetHashCode()) | dataType.GetHashCode() | isMultiValued.GetHashCode() | allowedAttributeOperation.GetHashCode();
        }
    }

    [Serializable]
    public sealed class SchemaTypeKeyedCollection : KeyedCollection<string, SchemaType>
    {
        public SchemaTypeKeyedCollection()
        {
        }

        protected override string GetKeyForItem(SchemaType item)
        {
            return item.Name;
        }
    }

    [Serializable]
    public sealed class SchemaAttributeKeyedCollection : KeyedCollection<string, SchemaAttribute>
    {
        public SchemaAttributeKeyedCollection()
        {
        }

        protected override string GetKeyForItem(SchemaAttribute item)
        {
            return item.Name;
        }
    }

    /// <summary>Read-only copy of a type collection: every mutator throws NotSupportedException.</summary>
    [Serializable]
    public sealed class ReadOnlySchemaTypeKeyedCollection : KeyedCollection<string, SchemaType>
    {
        private readonly bool sealedContent;

        internal ReadOnlySchemaTypeKeyedCollection(IEnumerable<SchemaType> items)
        {
            foreach (SchemaType item in items)
            {
                Add(item);
            }

            sealedContent = true;
        }

        protected override string GetKeyForItem(SchemaType item)
        {
            return item.Name;
        }

        protected override void InsertItem(int index, SchemaType item)
        {
            ThrowIfSealed();
            base.InsertItem(index, item);
        }

        protected override void SetItem(int index, SchemaType item)
        {
            throw new NotSupportedException();
        }

        protected override void RemoveItem(int index)
        {
            throw new NotSupportedException();
        }

        protected override void ClearItems()
        {
            throw new NotSupportedException();
        }

        private void ThrowIfSealed()
        {
            if (sealedContent)
            {
                throw new NotSupportedException();
            }
        }
    }

    /// <summary>Read-only copy of an attribute collection: every mutator throws NotSupportedException.</summary>
    [Serializable]
    public sealed class ReadOnlySchemaAttributeKeyedCollection : KeyedCollection<string, SchemaAttribute>
    {
        private readonly bool sealedContent;

        internal ReadOnlySchemaAttributeKeyedCollection(IEnumerable<SchemaAttribute> items)
        {
            foreach (SchemaAttribute item in items)
            {
                Add(item);
            }

            sealedContent = true;
        }

        protected override string GetKeyForItem(SchemaAttribute item)
        {
            return item.Name;
        }

        protected override void InsertItem(int index, SchemaAttribute item)
        {
            ThrowIfSealed();
            base.InsertItem(index, item);
        }

        protected override void SetItem(int index, SchemaAttribute item)
        {
            throw new NotSupportedException();
        }

        protected override void RemoveItem(int index)
        {
            throw new NotSupportedException();
        }

        protected override void ClearItems()
        {
            throw new NotSupportedException();
        }

        private void ThrowIfSealed()
        {
            if (sealedContent)
            {
                throw new NotSupportedException();
            }
        }
    }
}
