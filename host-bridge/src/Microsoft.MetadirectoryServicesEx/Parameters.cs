using System;
using System.Collections.ObjectModel;
using System.ComponentModel;
using System.Security;
using System.Text;

namespace Microsoft.MetadirectoryServices
{
    public enum ConfigParameterPage
    {
        Connectivity = 0,
        Global = 1,
        RunStep = 2,
        Partition = 3,
        Capabilities = 4,
        Schema = 5,
    }

    public enum ConfigParameterType
    {
        String = 0,
        EncryptedString = 1,
        Label = 2,
        Text = 3,
        DropDown = 4,
        CheckBox = 5,
        Divider = 6,
        File = 7,
    }

    [Serializable]
    public enum ParameterValidationResultCode
    {
        Success = 0,
        Failure = 1,
    }

    /// <summary>One field of a designer page (ecma2-api.md §5.3).</summary>
    [Serializable]
    public sealed class ConfigParameterDefinition
    {
        private readonly string name;
        private readonly ConfigParameterType type;
        private readonly string text;
        private readonly string validation;
        private readonly string defaultValue;
        private readonly bool dropDownExtensible;

        [EditorBrowsable(EditorBrowsableState.Never)]
        public ConfigParameterDefinition()
            : this(string.Empty, ConfigParameterType.String, string.Empty, string.Empty, string.Empty, false)
        {
        }

        private ConfigParameterDefinition(string name, ConfigParameterType type, string text, string validation, string defaultValue, bool dropDownExtensible)
        {
            this.name = name;
            this.type = type;
            this.text = text;
            this.validation = validation;
            this.defaultValue = defaultValue;
            this.dropDownExtensible = dropDownExtensible;
        }

        public string Name
        {
            get { return name; }
        }

        public ConfigParameterType Type
        {
            get { return type; }
        }

        public string Text
        {
            get { return text; }
        }

        public string Validation
        {
            get { return validation; }
        }

        public string DefaultValue
        {
            get { return defaultValue; }
        }

        public bool CheckBoxDefault
        {
            get { return defaultValue == "1"; }
        }

        public bool DropDownExtensible
        {
            get { return dropDownExtensible; }
        }

        public static ConfigParameterDefinition CreateStringParameter(string name, string validation)
        {
            return CreateStringParameter(name, validation, string.Empty);
        }

        public static ConfigParameterDefinition CreateStringParameter(string name, string validation, string defaultValue)
        {
            return new ConfigParameterDefinition(name, ConfigParameterType.String, string.Empty, validation, defaultValue, false);
        }

        public static ConfigParameterDefinition CreateEncryptedStringParameter(string name, string validation)
        {
            return CreateEncryptedStringParameter(name, validation, string.Empty);
        }

        public static ConfigParameterDefinition CreateEncryptedStringParameter(string name, string validation, string defaultValue)
        {
            return new ConfigParameterDefinition(name, ConfigParameterType.EncryptedString, string.Empty, validation, defaultValue, false);
        }

        public static ConfigParameterDefinition CreateLabelParameter(string text)
        {
            return new ConfigParameterDefinition(string.Empty, ConfigParameterType.Label, text, string.Empty, string.Empty, false);
        }

        public static ConfigParameterDefinition CreateTextParameter(string name)
        {
            return CreateTextParameter(name, string.Empty);
        }

        public static ConfigParameterDefinition CreateTextParameter(string name, string defaultValue)
        {
            return new ConfigParameterDefinition(name, ConfigParameterType.Text, string.Empty, string.Empty, defaultValue, false);
        }

        public static ConfigParameterDefinition CreateDropDownParameter(string name, string values, bool extensible)
        {
            return CreateDropDownParameter(name, values, extensible, string.Empty);
        }

        public static ConfigParameterDefinition CreateDropDownParameter(string name, string values, bool extensible, string defaultValue)
        {
            return new ConfigParameterDefinition(name, ConfigParameterType.DropDown, string.Empty, values, defaultValue, extensible);
        }

        public static ConfigParameterDefinition CreateDropDownParameter(string name, string[] values, bool extensible)
        {
            return CreateDropDownParameter(name, values, extensible, string.Empty);
        }

        /// <summary>Each element has every ',' escaped as "\," and is followed by ',' ({"a","b,c"} gives "a,b\,c,").</summary>
        public static ConfigParameterDefinition CreateDropDownParameter(string name, string[] values, bool extensible, string defaultValue)
        {
            if (values == null)
            {
                throw new ArgumentNullException("values");
            }

            StringBuilder joined = new StringBuilder();
            foreach (string value in values)
            {
                joined.Append(value == null ? null : value.Replace(",", "\\,"));
                joined.Append(',');
            }

            return new ConfigParameterDefinition(name, ConfigParameterType.DropDown, string.Empty, joined.ToString(), defaultValue, extensible);
        }

        public static ConfigParameterDefinition CreateCheckBoxParameter(string name)
        {
            return new ConfigParameterDefinition(name, ConfigParameterType.CheckBox, string.Empty, string.Empty, string.Empty, false);
        }

        public static ConfigParameterDefinition CreateCheckBoxParameter(string name, bool defaultValue)
        {
            return new ConfigParameterDefinition(name, ConfigParameterType.CheckBox, string.Empty, string.Empty, defaultValue ? "1" : "0", false);
        }

        public static ConfigParameterDefinition CreateDividerParameter()
        {
            return new ConfigParameterDefinition(string.Empty, ConfigParameterType.Divider, string.Empty, string.Empty, string.Empty, false);
        }

        public static ConfigParameterDefinition CreateFileParameter(string name)
        {
            return CreateFileParameter(name, string.Empty);
        }

        public static ConfigParameterDefinition CreateFileParameter(string name, string defaultValue)
        {
            return new ConfigParameterDefinition(name, ConfigParameterType.File, string.Empty, string.Empty, defaultValue, false);
        }
    }

    /// <summary>A stored parameter value as the engine hands it over (ecma2-api.md §5.4).</summary>
    [Serializable]
    public sealed class ConfigParameter
    {
        private readonly string name;
        private readonly string value;
        private readonly bool isEncrypted;
        private readonly bool usesSecureString;

        [NonSerialized]
        private readonly SecureString secureValue;

        [EditorBrowsable(EditorBrowsableState.Never)]
        public ConfigParameter()
        {
        }

        [EditorBrowsable(EditorBrowsableState.Never)]
        public ConfigParameter(string name, string value)
            : this(name, value, false)
        {
        }

        [EditorBrowsable(EditorBrowsableState.Never)]
        public ConfigParameter(string name, string value, bool isEncrypted)
        {
            this.name = name;
            this.value = value;
            this.isEncrypted = isEncrypted;
        }

        [EditorBrowsable(EditorBrowsableState.Never)]
        public ConfigParameter(string name, SecureString secureValue)
        {
            this.name = name;
            this.secureValue = secureValue;
            isEncrypted = true;
            usesSecureString = true;
        }

        public string Name
        {
            get { return name; }
        }

        public string Value
        {
            get
            {
                if (usesSecureString)
                {
                    throw new InvalidOperationException("Encrypted parameter should be retrieved using the SecureValue property.");
                }

                return value;
            }
        }

        public SecureString SecureValue
        {
            get
            {
                if (!isEncrypted)
                {
                    throw new InvalidOperationException("Unencrypted parameter should be retrieved using the Value property.");
                }

                if (!usesSecureString)
                {
                    throw new InvalidOperationException("Extensible Connectivity MA 1 encrypted parameter should be retrieved using the Value property.");
                }

                return secureValue;
            }
        }

        public bool IsEncrypted
        {
            get { return isEncrypted; }
        }
    }

    /// <summary>The concrete collection of parameter values, keyed (case-sensitively) by Name.</summary>
    [Serializable]
    public sealed class ConfigParameterKeyedCollection : KeyedCollection<string, ConfigParameter>
    {
        public ConfigParameterKeyedCollection()
        {
        }

        protected override string GetKeyForItem(ConfigParameter item)
        {
            return item.Name;
        }
    }

    [Serializable]
    public sealed class ParameterValidationResult
    {
        public ParameterValidationResult()
        {
            Code = ParameterValidationResultCode.Success;
        }

        public ParameterValidationResult(ParameterValidationResultCode code, string errorMessage, string errorParameter)
        {
            Code = code;
            ErrorMessage = errorMessage;
            ErrorParameter = errorParameter;
        }

        public ParameterValidationResultCode Code { get; set; }

        public string ErrorMessage { get; set; }

        public string ErrorParameter { get; set; }
    }
}
