using System;
using System.Globalization;
using System.Runtime.Serialization;

// The legacy serialization constructors are part of the real surface (protected on the two bases,
// private on the sealed classes); none of these classes is [Serializable] in the real builds.
#pragma warning disable SYSLIB0051

namespace Microsoft.MetadirectoryServices
{
    // Exceptions (ecma2-api.md §12). Message texts of the engine-formatted constructors are internal to
    // the real assembly and not reproduced: the stand-in uses plain English texts of its own.

    /// <summary>Base of the exceptions a connector throws to tell the engine what happened.</summary>
    public class ExtensionException : ApplicationException
    {
        public ExtensionException()
        {
        }

        public ExtensionException(string description)
            : base(description)
        {
        }

        public ExtensionException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        protected ExtensionException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }
    }

    public sealed class ServerDownException : ExtensionException
    {
        public ServerDownException()
        {
        }

        public ServerDownException(string description)
            : base(description)
        {
        }

        public ServerDownException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        private ServerDownException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }
    }

    public sealed class BadServerCredentialsException : ExtensionException
    {
        public BadServerCredentialsException()
        {
        }

        public BadServerCredentialsException(string description)
            : base(description)
        {
        }

        public BadServerCredentialsException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        private BadServerCredentialsException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }
    }

    public sealed class ExtensibleExtensionException : ExtensionException
    {
        public ExtensibleExtensionException()
        {
        }

        public ExtensibleExtensionException(string description)
            : base(description)
        {
        }

        public ExtensibleExtensionException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        private ExtensibleExtensionException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }
    }

    public sealed class EntryPointNotImplementedException : ExtensionException
    {
        public EntryPointNotImplementedException()
        {
        }

        public EntryPointNotImplementedException(string description)
            : base(description)
        {
        }

        public EntryPointNotImplementedException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        private EntryPointNotImplementedException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }
    }

    public sealed class UnexpectedDataException : ExtensionException
    {
        public UnexpectedDataException()
        {
        }

        public UnexpectedDataException(string description)
            : base(description)
        {
        }

        public UnexpectedDataException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        private UnexpectedDataException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }
    }

    public sealed class TerminateRunException : ExtensionException
    {
        public TerminateRunException()
        {
        }

        public TerminateRunException(string description)
            : base(description)
        {
        }

        public TerminateRunException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        private TerminateRunException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }
    }

    public sealed class WarningNoWatermarkException : ExtensionException
    {
        public WarningNoWatermarkException()
        {
        }

        public WarningNoWatermarkException(string description)
            : base(description)
        {
        }

        public WarningNoWatermarkException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        private WarningNoWatermarkException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }
    }

    public sealed class FailedConnectionException : ExtensionException
    {
        public FailedConnectionException()
        {
        }

        public FailedConnectionException(string description)
            : base(description)
        {
        }

        public FailedConnectionException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        private FailedConnectionException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }
    }

    public sealed class DroppedConnectionException : ExtensionException
    {
        public DroppedConnectionException()
        {
        }

        public DroppedConnectionException(string description)
            : base(description)
        {
        }

        public DroppedConnectionException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        private DroppedConnectionException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }
    }

    public sealed class FailedSearchException : ExtensionException
    {
        public FailedSearchException()
        {
        }

        public FailedSearchException(string description)
            : base(description)
        {
        }

        public FailedSearchException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        private FailedSearchException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }
    }

    public sealed class EndConnectionException : ExtensionException
    {
        public EndConnectionException()
        {
        }

        public EndConnectionException(string description)
            : base(description)
        {
        }

        public EndConnectionException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        private EndConnectionException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }
    }

    public sealed class ObjectNotFoundException : ExtensionException
    {
        public ObjectNotFoundException()
        {
        }

        public ObjectNotFoundException(string description)
            : base(description)
        {
        }

        public ObjectNotFoundException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        private ObjectNotFoundException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }
    }

    public sealed class ObjectTypeNotSupportedException : ExtensionException
    {
        public ObjectTypeNotSupportedException()
        {
        }

        public ObjectTypeNotSupportedException(string description)
            : base(description)
        {
        }

        public ObjectTypeNotSupportedException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        private ObjectTypeNotSupportedException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }
    }

    public sealed class AccessDeniedException : ExtensionException
    {
        public AccessDeniedException()
        {
        }

        public AccessDeniedException(string description)
            : base(description)
        {
        }

        public AccessDeniedException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        private AccessDeniedException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }
    }

    public sealed class PasswordIllFormedException : ExtensionException
    {
        public PasswordIllFormedException()
        {
        }

        public PasswordIllFormedException(string description)
            : base(description)
        {
        }

        public PasswordIllFormedException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        private PasswordIllFormedException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }
    }

    public sealed class PasswordPolicyViolationException : ExtensionException
    {
        public PasswordPolicyViolationException()
        {
        }

        public PasswordPolicyViolationException(string description)
            : base(description)
        {
        }

        public PasswordPolicyViolationException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        private PasswordPolicyViolationException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }
    }

    public sealed class PasswordExtensionException : ExtensionException
    {
        public PasswordExtensionException()
        {
        }

        public PasswordExtensionException(string description)
            : base(description)
        {
        }

        public PasswordExtensionException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        private PasswordExtensionException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }
    }

    public sealed class OldPasswordIncorrectException : ExtensionException
    {
        public OldPasswordIncorrectException()
        {
        }

        public OldPasswordIncorrectException(string description)
            : base(description)
        {
        }

        public OldPasswordIncorrectException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        private OldPasswordIncorrectException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }
    }

    public sealed class ClosePasswordConnectionException : ExtensionException
    {
        public ClosePasswordConnectionException()
        {
        }

        public ClosePasswordConnectionException(string description)
            : base(description)
        {
        }

        public ClosePasswordConnectionException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        private ClosePasswordConnectionException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }
    }

    public sealed class EntryExportException : ExtensionException
    {
        public EntryExportException()
        {
        }

        public EntryExportException(string description)
            : base(description)
        {
        }

        public EntryExportException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        private EntryExportException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }
    }

    public sealed class FatalEntryExportException : ExtensionException
    {
        public FatalEntryExportException()
        {
        }

        public FatalEntryExportException(string description)
            : base(description)
        {
        }

        public FatalEntryExportException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        private FatalEntryExportException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }
    }

    public sealed class DeclineMappingException : ExtensionException
    {
        public DeclineMappingException()
        {
        }

        public DeclineMappingException(string description)
            : base(description)
        {
        }

        public DeclineMappingException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        private DeclineMappingException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }
    }

    public sealed class FunctionEvaluationException : ExtensionException
    {
        public FunctionEvaluationException()
        {
        }

        public FunctionEvaluationException(string description)
            : base(description)
        {
        }

        public FunctionEvaluationException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        private FunctionEvaluationException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }
    }

    public sealed class ProvisioningBySyncRuleException : ExtensionException
    {
        public ProvisioningBySyncRuleException()
        {
        }

        public ProvisioningBySyncRuleException(string description)
            : base(description)
        {
        }

        public ProvisioningBySyncRuleException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        private ProvisioningBySyncRuleException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }
    }

    /// <summary>Base of the exceptions the object model and the engine throw.</summary>
    public class MetadirectoryServicesException : ApplicationException
    {
        public MetadirectoryServicesException()
        {
        }

        public MetadirectoryServicesException(string description)
            : base(description)
        {
        }

        public MetadirectoryServicesException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        protected MetadirectoryServicesException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }

        internal static string Format(string format, params object[] args)
        {
            return string.Format(CultureInfo.InvariantCulture, format, args);
        }
    }

    public sealed class NoSuchAttributeException : MetadirectoryServicesException
    {
        private readonly string attributeName;

        public NoSuchAttributeException()
        {
        }

        public NoSuchAttributeException(string attributeName)
            : base(Format("The attribute '{0}' does not exist.", attributeName))
        {
            this.attributeName = attributeName;
        }

        public NoSuchAttributeException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        private NoSuchAttributeException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }

        public string AttributeName
        {
            get { return attributeName; }
        }
    }

    public sealed class NoSuchParameterException : MetadirectoryServicesException
    {
        private readonly string parameterName;

        public NoSuchParameterException()
        {
        }

        public NoSuchParameterException(string parameterName)
            : base(Format("The parameter '{0}' does not exist.", parameterName))
        {
            this.parameterName = parameterName;
        }

        public NoSuchParameterException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        private NoSuchParameterException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }

        public string ParameterName
        {
            get { return parameterName; }
        }
    }

    public sealed class NoSuchAttributeInObjectTypeException : MetadirectoryServicesException
    {
        private readonly string attributeName;

        public NoSuchAttributeInObjectTypeException()
        {
        }

        public NoSuchAttributeInObjectTypeException(string attributeName)
            : base(Format("The attribute '{0}' is not defined for the object type.", attributeName))
        {
            this.attributeName = attributeName;
        }

        public NoSuchAttributeInObjectTypeException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        private NoSuchAttributeInObjectTypeException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }

        public string AttributeName
        {
            get { return attributeName; }
        }
    }

    public sealed class AttributeDoesNotExistOnObjectException : MetadirectoryServicesException
    {
        private readonly string attributeName;

        public AttributeDoesNotExistOnObjectException()
        {
        }

        public AttributeDoesNotExistOnObjectException(string attributeName)
            : base(Format("The attribute '{0}' does not exist on the object.", attributeName))
        {
            this.attributeName = attributeName;
        }

        public AttributeDoesNotExistOnObjectException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        private AttributeDoesNotExistOnObjectException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }

        public string AttributeName
        {
            get { return attributeName; }
        }
    }

    public sealed class AttributeNotInInclusionListException : MetadirectoryServicesException
    {
        private readonly string attributeName;

        public AttributeNotInInclusionListException()
        {
        }

        public AttributeNotInInclusionListException(string attributeName)
            : base(Format("The attribute '{0}' is not in the attribute inclusion list.", attributeName))
        {
            this.attributeName = attributeName;
        }

        public AttributeNotInInclusionListException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        private AttributeNotInInclusionListException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }

        public string AttributeName
        {
            get { return attributeName; }
        }
    }

    public sealed class AttributeNotPresentException : MetadirectoryServicesException
    {
        private readonly string attributeName;

        public AttributeNotPresentException()
        {
        }

        public AttributeNotPresentException(string attributeName)
            : base(Format("The attribute '{0}' is not present.", attributeName))
        {
            this.attributeName = attributeName;
        }

        public AttributeNotPresentException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        private AttributeNotPresentException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }

        public string AttributeName
        {
            get { return attributeName; }
        }
    }

    public sealed class AttributeNotDefinedAsSourceException : MetadirectoryServicesException
    {
        private readonly string attributeName;

        public AttributeNotDefinedAsSourceException()
        {
        }

        public AttributeNotDefinedAsSourceException(string attributeName)
            : base(Format("The attribute '{0}' is not defined as a source.", attributeName))
        {
            this.attributeName = attributeName;
        }

        public AttributeNotDefinedAsSourceException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        private AttributeNotDefinedAsSourceException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }

        public string AttributeName
        {
            get { return attributeName; }
        }
    }

    public sealed class TooManyValuesException : MetadirectoryServicesException
    {
        private readonly string attributeName;

        public TooManyValuesException()
        {
        }

        public TooManyValuesException(string attributeName)
            : base(Format("The attribute '{0}' has too many values.", attributeName))
        {
            this.attributeName = attributeName;
        }

        public TooManyValuesException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        private TooManyValuesException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }

        public string AttributeName
        {
            get { return attributeName; }
        }
    }

    public sealed class NoSuchClassException : MetadirectoryServicesException
    {
        private readonly string className;

        public NoSuchClassException()
        {
        }

        public NoSuchClassException(string className)
            : base(Format("The object class '{0}' does not exist.", className))
        {
            this.className = className;
        }

        public NoSuchClassException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        private NoSuchClassException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }

        public string ClassName
        {
            get { return className; }
        }
    }

    public sealed class NoSuchObjectTypeException : MetadirectoryServicesException
    {
        private readonly string objectType;

        public NoSuchObjectTypeException()
        {
        }

        public NoSuchObjectTypeException(string objectType)
            : base(Format("The object type '{0}' does not exist.", objectType))
        {
            this.objectType = objectType;
        }

        public NoSuchObjectTypeException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        private NoSuchObjectTypeException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }

        public string ObjectType
        {
            get { return objectType; }
        }
    }

    public sealed class NoSuchManagementAgentException : MetadirectoryServicesException
    {
        private readonly string maName;

        public NoSuchManagementAgentException()
        {
        }

        public NoSuchManagementAgentException(string MAName)
            : base(Format("The management agent '{0}' does not exist.", MAName))
        {
            maName = MAName;
        }

        public NoSuchManagementAgentException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        private NoSuchManagementAgentException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }

        public string MAName
        {
            get { return maName; }
        }
    }

    public sealed class NoCompatiblePartitionFoundException : MetadirectoryServicesException
    {
        private readonly string maName;
        private readonly string[] objectClasses;
        private readonly string objectType;

        public NoCompatiblePartitionFoundException()
        {
        }

        public NoCompatiblePartitionFoundException(string description)
            : base(description)
        {
        }

        public NoCompatiblePartitionFoundException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        /// <summary>DN stays null: a ReferenceValue is an engine object.</summary>
        public NoCompatiblePartitionFoundException(string MAName, string DN, string[] ObjectClasses, string ObjectType)
            : base(Format("No partition of management agent '{0}' is compatible with the object '{1}' of type '{2}'.", MAName, DN, ObjectType))
        {
            maName = MAName;
            objectClasses = ObjectClasses;
            objectType = ObjectType;
        }

        private NoCompatiblePartitionFoundException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }

        public string MAName
        {
            get { return maName; }
        }

        public ReferenceValue DN
        {
            get { return null; }
        }

        public string[] ObjectClasses
        {
            get { return objectClasses; }
        }

        public string ObjectType
        {
            get { return objectType; }
        }
    }

    public sealed class MissingParentObjectException : MetadirectoryServicesException
    {
        private readonly string maName;

        public MissingParentObjectException()
        {
        }

        public MissingParentObjectException(string description)
            : base(description)
        {
        }

        public MissingParentObjectException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        /// <summary>DN stays null: a ReferenceValue is an engine object.</summary>
        public MissingParentObjectException(string MAName, string DN)
            : base(Format("The parent of '{1}' does not exist in management agent '{0}'.", MAName, DN))
        {
            maName = MAName;
        }

        private MissingParentObjectException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }

        public string MAName
        {
            get { return maName; }
        }

        public ReferenceValue DN
        {
            get { return null; }
        }
    }

    public sealed class ObjectAlreadyExistsException : MetadirectoryServicesException
    {
        private readonly string maName;

        public ObjectAlreadyExistsException()
        {
        }

        public ObjectAlreadyExistsException(string description)
            : base(description)
        {
        }

        public ObjectAlreadyExistsException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        /// <summary>DN stays null: a ReferenceValue is an engine object.</summary>
        public ObjectAlreadyExistsException(string MAName, string DN)
            : base(Format("The object '{1}' already exists in management agent '{0}'.", MAName, DN))
        {
            maName = MAName;
        }

        private ObjectAlreadyExistsException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }

        public string MAName
        {
            get { return maName; }
        }

        public ReferenceValue DN
        {
            get { return null; }
        }
    }

    public sealed class NoSuchObjectException : MetadirectoryServicesException
    {
        private readonly string maName;

        public NoSuchObjectException()
        {
        }

        public NoSuchObjectException(string description)
            : base(description)
        {
        }

        public NoSuchObjectException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        /// <summary>DN stays null: a ReferenceValue is an engine object.</summary>
        public NoSuchObjectException(string MAName, string DN)
            : base(Format("The object '{1}' does not exist in management agent '{0}'.", MAName, DN))
        {
            maName = MAName;
        }

        private NoSuchObjectException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }

        public string MAName
        {
            get { return maName; }
        }

        public ReferenceValue DN
        {
            get { return null; }
        }
    }

    public sealed class InvalidDNException : MetadirectoryServicesException
    {
        private readonly string maName;

        public InvalidDNException()
        {
        }

        public InvalidDNException(string description)
            : base(description)
        {
        }

        public InvalidDNException(string description, Exception innerException)
            : base(description, innerException)
        {
        }

        /// <summary>DN stays null: a ReferenceValue is an engine object.</summary>
        public InvalidDNException(string MAName, string DN)
            : base(Format("The DN '{1}' is not valid for management agent '{0}'.", MAName, DN))
        {
            maName = MAName;
        }

        /// <summary>messageFormat is formatted with {0} = MAName and {1} = DN.</summary>
        public InvalidDNException(string MAName, string DN, string messageFormat)
            : base(FormatOrRaw(messageFormat, MAName, DN))
        {
            maName = MAName;
        }

        private InvalidDNException(SerializationInfo info, StreamingContext context)
            : base(info, context)
        {
        }

        public string MAName
        {
            get { return maName; }
        }

        public ReferenceValue DN
        {
            get { return null; }
        }

        private static string FormatOrRaw(string messageFormat, string maName, string dn)
        {
            if (messageFormat == null)
            {
                return null;
            }

            try
            {
                return Format(messageFormat, maName, dn);
            }
            catch (FormatException)
            {
                return messageFormat;
            }
        }
    }
}
