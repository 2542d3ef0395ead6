using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.ComponentModel;
using System.Globalization;
using Microsoft.MetadirectoryServices.DetachedObjectModel;

namespace Microsoft.MetadirectoryServices
{
    // The ECMA2 change object model (ecma2-api.md §9). The factories build the public classes of
    // Microsoft.MetadirectoryServices.DetachedObjectModel, as MIM 2016 does: pure managed code.

    public enum ObjectModificationType
    {
        Unconfigured = 0,
        None = 1,
        Add = 2,
        Replace = 3,
        Update = 4,
        Delete = 5,
    }

    public enum AttributeModificationType
    {
        Unconfigured = 0,
        Add = 1,
        Replace = 2,
        Update = 3,
        Delete = 4,
    }

    public enum ValueModificationType
    {
        Unconfigured = 0,
        Add = 1,
        Delete = 2,
    }

    public enum MAImportError
    {
        Success = 0,
        ImportErrorMissingDomainName = 1,
        ImportErrorDomainNameNotLdapConformant = 2,
        ImportErrorInvalidDomainName = 3,
        ImportErrorMissingChangeType = 4,
        ImportErrorInvalidChangeType = 5,
        ImportErrorMultiValuedChangeType = 6,
        ImportErrorMissingObjectClass = 7,
        ImportErrorMissingObjectType = 8,
        ImportErrorParseError = 9,
        ImportErrorReadError = 10,
        ImportErrorInvalidAttributeValue = 11,
        ImportErrorInvalidBase64Value = 12,
        ImportErrorInvalidNumericValue = 13,
        ImportErrorInvalidBooleanValue = 14,
        ImportErrorCustomStopRun = 15,
        ImportErrorCustomContinueRun = 16,
    }

    public enum MAExportError
    {
        Success = 0,
        ExportActionConvertUpdateToAdd = 1,
        ExportActionRetryReferenceAttribute = 2,
        ExportActionProvisioningParent = 3,
        ExportErrorConnectedDirectoryError = 4,
        ExportErrorConnectedDirectoryMissingObject = 5,
        ExportErrorConnectedDirectoryExistingObject = 6,
        ExportErrorReferenceAttributeFailure = 7,
        ExportErrorNonExistingParent = 8,
        ExportErrorDuplicateAnchor = 9,
        ExportErrorAmbiguousUpdate = 10,
        ExportErrorPasswordPolicyViolation = 11,
        ExportErrorKerberosTimeSkew = 12,
        ExportErrorKerberosNoLogOnServer = 13,
        ExportErrorInvalidDN = 14,
        ExportErrorConstraintViolation = 15,
        ExportErrorSyntaxViolation = 16,
        ExportErrorChangeNamingAttribute = 17,
        ExportErrorPermissionIssue = 18,
        ExportErrorMissingProvisioningAttribute = 19,
        ExportErrorInvalidProvisioningAttributeValue = 20,
        ExportErrorMissingAnchorComponent = 21,
        ExportErrorMultiValuedAnchorComponent = 22,
        ExportErrorAnchorTooLong = 23,
        ExportErrorInvalidAttributeValue = 24,
        ExportErrorCustomStopRun = 25,
        ExportErrorCustomContinueRun = 26,
    }

    public abstract class CSEntryChange
    {
        [EditorBrowsable(EditorBrowsableState.Never)]
        protected CSEntryChange()
        {
        }

        public abstract ObjectModificationType ObjectModificationType { get; set; }

        public abstract IList<string> ChangedAttributeNames { get; }

        public abstract Guid Identifier { get; }

        public abstract string DN { get; set; }

        public abstract string RDN { get; }

        public abstract string ObjectType { get; set; }

        public abstract MAImportError ErrorCodeImport { get; set; }

        public abstract KeyedCollection<string, AttributeChange> AttributeChanges { get; }

        public abstract KeyedCollection<string, AnchorAttribute> AnchorAttributes { get; }

        public abstract string ErrorName { get; set; }

        public abstract string ErrorDetail { get; set; }

        /// <summary>A new object with a random Identifier and ObjectModificationType Unconfigured.</summary>
        public static CSEntryChange Create()
        {
            return new CSEntryChangeDetached(Guid.NewGuid(), ObjectModificationType.Unconfigured, MAImportError.Success, null);
        }
    }

    public abstract class AttributeChange
    {
        private const string NullValueMessage = "The attribute {0} is assigned a null value";
        private const string NullValueListMessage = "The attribute {0} is assigned a null value list";

        [EditorBrowsable(EditorBrowsableState.Never)]
        protected AttributeChange()
        {
        }

        public abstract string Name { get; }

        public abstract AttributeType DataType { get; }

        public abstract bool IsMultiValued { get; }

        public abstract AttributeModificationType ModificationType { get; }

        public abstract IList<ValueChange> ValueChanges { get; }

        public static AttributeChange CreateAttributeAdd(string attributeName, object value)
        {
            return Create(attributeName, AttributeModificationType.Add, SingleAdd(attributeName, value));
        }

        public static AttributeChange CreateAttributeAdd(string attributeName, IList<object> values)
        {
            return Create(attributeName, AttributeModificationType.Add, Adds(attributeName, values));
        }

        public static AttributeChange CreateAttributeDelete(string attributeName)
        {
            return Create(attributeName, AttributeModificationType.Delete, new List<ValueChange>());
        }

        public static AttributeChange CreateAttributeReplace(string attributeName, object value)
        {
            return Create(attributeName, AttributeModificationType.Replace, SingleAdd(attributeName, value));
        }

        public static AttributeChange CreateAttributeReplace(string attributeName, IList<object> values)
        {
            return Create(attributeName, AttributeModificationType.Replace, Adds(attributeName, values));
        }

        public static AttributeChange CreateAttributeUpdate(string attributeName, IList<ValueChange> valueChanges)
        {
            if (valueChanges == null)
            {
                throw new InvalidOperationException(Format(NullValueListMessage, attributeName));
            }

            List<ValueChange> copy = new List<ValueChange>(valueChanges.Count);
            foreach (ValueChange valueChange in valueChanges)
            {
                if (valueChange == null || valueChange.Value == null)
                {
                    throw new InvalidOperationException(Format(NullValueMessage, attributeName));
                }

                copy.Add(valueChange);
            }

            return Create(attributeName, AttributeModificationType.Update, copy);
        }

        /// <summary>Binary quirk kept from FIM R2 and MIM 2016: the result is a Replace, not an Update.</summary>
        public static AttributeChange CreateAttributeUpdate(string attributeName, object value)
        {
            return Create(attributeName, AttributeModificationType.Replace, SingleAdd(attributeName, value));
        }

        /// <summary>An attribute change named "DN" with ModificationType Unconfigured and one Add of newDN.</summary>
        public static AttributeChange CreateNewDN(string newDN)
        {
            return Create(DetachedUtils.DNAttributeName, AttributeModificationType.Unconfigured, SingleAdd(DetachedUtils.DNAttributeName, newDN));
        }

        private static AttributeChange Create(string attributeName, AttributeModificationType modificationType, IList<ValueChange> valueChanges)
        {
            return new AttributeChangeDetached(attributeName, modificationType, valueChanges);
        }

        private static List<ValueChange> SingleAdd(string attributeName, object value)
        {
            if (value == null)
            {
                throw new InvalidOperationException(Format(NullValueMessage, attributeName));
            }

            return new List<ValueChange> { new ValueChange(value, ValueModificationType.Add) };
        }

        // A null list fails with NullReferenceException (as in the binary), before any null-list check.
        private static List<ValueChange> Adds(string attributeName, IList<object> values)
        {
            List<ValueChange> changes = new List<ValueChange>(values.Count);
            foreach (object value in values)
            {
                if (value == null)
                {
                    throw new InvalidOperationException(Format(NullValueMessage, attributeName));
                }

                changes.Add(new ValueChange(value, ValueModificationType.Add));
            }

            return changes;
        }

        private static string Format(string format, string attributeName)
        {
            return string.Format(CultureInfo.InvariantCulture, format, attributeName);
        }
    }

    /// <summary>Public, not sealed, not [Serializable].</summary>
    public class ValueChange
    {
        private readonly object value;
        private readonly ValueModificationType modificationType;

        [EditorBrowsable(EditorBrowsableState.Never)]
        public ValueChange(object value, ValueModificationType valueModificationType)
        {
            this.value = value;
            modificationType = valueModificationType;
        }

        public object Value
        {
            get { return value; }
        }

        public ValueModificationType ModificationType
        {
            get { return modificationType; }
        }

        public static ValueChange CreateValueAdd(object value)
        {
            return new ValueChange(value, ValueModificationType.Add);
        }

        public static ValueChange CreateValueDelete(object value)
        {
            return new ValueChange(value, ValueModificationType.Delete);
        }
    }

    public static class ValueChangeFactory
    {
        public static ValueChange CreateValueChange(object value, ValueModificationType modificationType)
        {
            return new ValueChange(value, modificationType);
        }
    }

    public abstract class AnchorAttribute
    {
        [EditorBrowsable(EditorBrowsableState.Never)]
        protected AnchorAttribute()
        {
        }

        public abstract string Name { get; }

        public abstract AttributeType DataType { get; }

        public abstract object Value { get; }

        /// <summary>DataType Undefined; no null checks.</summary>
        public static AnchorAttribute Create(string attributeName, object value)
        {
            return new AnchorAttributeDetached(attributeName, AttributeType.Undefined, value);
        }
    }

    [Serializable]
    public abstract class CSEntryChangeResult
    {
        [EditorBrowsable(EditorBrowsableState.Never)]
        protected CSEntryChangeResult()
        {
        }

        public abstract Guid Identifier { get; }

        public abstract KeyedCollection<string, AttributeChange> AnchorAttributes { get; }

        public abstract MAExportError ErrorCode { get; }

        public abstract string ErrorName { get; }

        public abstract string ErrorDetail { get; }

        public static CSEntryChangeResult Create(Guid identifier, IList<AttributeChange> anchorAttributeChanges, MAExportError errorCode)
        {
            return new CSEntryChangeResultDetached(identifier, anchorAttributeChanges, errorCode, null, null);
        }

        public static CSEntryChangeResult Create(Guid identifier, IList<AttributeChange> attributeChanges, MAExportError errorCode, string errorName, string errorDetail)
        {
            return new CSEntryChangeResultDetached(identifier, attributeChanges, errorCode, errorName, errorDetail);
        }
    }
}
