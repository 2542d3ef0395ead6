using System;
using System.Collections.Generic;
using Microsoft.MetadirectoryServices;
using MimGraph.Bridge.Protocol;

namespace MimGraph.Bridge.Conversion
{
    /// <summary>Parameter pages: definitions and validation results from the worker, page names to it.</summary>
    internal static class ParameterConversion
    {
        public static string PageName(ConfigParameterPage page)
        {
            if (!EnumNames<ConfigParameterPage>.IsDefined(page))
                throw new ArgumentOutOfRangeException(nameof(page), "ConfigParameterPage " + EnumNames<ConfigParameterPage>.Name(page) + " is not a page MIM defines");
            return EnumNames<ConfigParameterPage>.Name(page);
        }

        /// <summary>getConfigParameters' answer → definitions, in the worker's order (the designer's layout is positional).</summary>
        public static IList<ConfigParameterDefinition> DefinitionsFromJson(JsonObject result)
        {
            List<object?> items;
            try
            {
                items = Wire.RequireArray(result, "parameters");
            }
            catch (WireFieldException e)
            {
                throw Wire.Bad("getConfigParameters answer", e);
            }
            var list = new List<ConfigParameterDefinition>(items.Count);
            for (int i = 0; i < items.Count; i++)
            {
                try
                {
                    list.Add(Definition(Wire.AsObject(items[i])));
                }
                catch (WireFieldException e)
                {
                    throw Wire.Bad("getConfigParameters answer", e.At(i).In("parameters"));
                }
            }
            return list;
        }

        private static ConfigParameterDefinition Definition(JsonObject o)
        {
            var type = Wire.RequireEnum<ConfigParameterType>(o, "type");
            var name = Wire.RequireString(o, "name");
            var validation = Wire.OptString(o, "validation") ?? string.Empty;
            var defaultValue = Wire.OptString(o, "defaultValue") ?? string.Empty;
            switch (type)
            {
                case ConfigParameterType.Label:
                    return ConfigParameterDefinition.CreateLabelParameter(Wire.OptString(o, "text") ?? string.Empty);
                case ConfigParameterType.Divider:
                    return ConfigParameterDefinition.CreateDividerParameter();
            }
            if (name.Length == 0) throw new WireFieldException("name", "must not be empty for a " + EnumNames<ConfigParameterType>.Name(type) + " parameter");
            switch (type)
            {
                case ConfigParameterType.String:
                    return ConfigParameterDefinition.CreateStringParameter(name, validation, defaultValue);
                case ConfigParameterType.EncryptedString:
                    return ConfigParameterDefinition.CreateEncryptedStringParameter(name, validation, defaultValue);
                case ConfigParameterType.Text:
                    return ConfigParameterDefinition.CreateTextParameter(name, defaultValue);
                case ConfigParameterType.File:
                    return ConfigParameterDefinition.CreateFileParameter(name, defaultValue);
                case ConfigParameterType.DropDown:
                    // The string overload keeps the worker's list as given (MIM's own comma-separated form).
                    return ConfigParameterDefinition.CreateDropDownParameter(name, validation, Wire.OptBool(o, "dropDownExtensible", false), defaultValue);
                case ConfigParameterType.CheckBox:
                    switch (defaultValue)
                    {
                        case "": return ConfigParameterDefinition.CreateCheckBoxParameter(name);
                        case "1": return ConfigParameterDefinition.CreateCheckBoxParameter(name, true);
                        case "0": return ConfigParameterDefinition.CreateCheckBoxParameter(name, false);
                        default: throw new WireFieldException("defaultValue", "of a check box must be \"1\", \"0\" or empty, not " + Wire.Quote(defaultValue));
                    }
                default:
                    throw new WireFieldException("type", "is not a parameter type the bridge knows: " + EnumNames<ConfigParameterType>.Name(type));
            }
        }

        /// <summary>validateConfigParameters' answer → MIM's result.</summary>
        public static ParameterValidationResult ValidationFromJson(JsonObject result)
        {
            try
            {
                var code = Wire.RequireEnum<ParameterValidationResultCode>(result, "code");
                var message = Wire.OptString(result, "errorMessage");
                var parameter = Wire.OptString(result, "errorParameter");
                return new ParameterValidationResult(code, message, parameter);
            }
            catch (WireFieldException e)
            {
                throw Wire.Bad("validateConfigParameters answer", e);
            }
        }
    }
}
