using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using Microsoft.MetadirectoryServices;
using MimGraph.Bridge.Conversion;
using MimGraph.Bridge.Protocol;

namespace MimGraph.Bridge.Ecma
{
    /// <summary>MIM's parameter pages: getConfigParameters / validateConfigParameters, one channel per call.</summary>
    public class MimGraphParameters : IMAExtensible2GetParameters, IMAExtensible2GetParametersEx
    {
        public MimGraphParameters() { }

        public IList<ConfigParameterDefinition> GetConfigParameters(KeyedCollection<string, ConfigParameter> configParameters, ConfigParameterPage page)
            => GetConfigParametersEx(configParameters, page, 1);

        public ParameterValidationResult ValidateConfigParameters(KeyedCollection<string, ConfigParameter> configParameters, ConfigParameterPage page)
            => ValidateConfigParametersEx(configParameters, page, 1);

        public IList<ConfigParameterDefinition> GetConfigParametersEx(KeyedCollection<string, ConfigParameter> configParameters, ConfigParameterPage page, int pageNumber)
        {
            var answer = Call("getConfigParameters", configParameters, page, pageNumber);
            try
            {
                return ParameterConversion.DefinitionsFromJson(answer);
            }
            catch (Exception e)
            {
                throw MimErrors.Translate(e, "getConfigParameters");
            }
        }

        public ParameterValidationResult ValidateConfigParametersEx(KeyedCollection<string, ConfigParameter> configParameters, ConfigParameterPage page, int pageNumber)
        {
            var answer = Call("validateConfigParameters", configParameters, page, pageNumber);
            try
            {
                return ParameterConversion.ValidationFromJson(answer);
            }
            catch (Exception e)
            {
                throw MimErrors.Translate(e, "validateConfigParameters");
            }
        }

        private static JsonObject Call(string method, KeyedCollection<string, ConfigParameter>? configParameters, ConfigParameterPage page, int pageNumber)
        {
            ChannelFactory.ConfigureLog(configParameters);
            IConnectorChannel? channel = null;
            try
            {
                var parameters = new JsonObject(3)
                {
                    { "config", ConfigValues.ToJson(configParameters) },
                    { "page", ParameterConversion.PageName(page) },
                    { "pageNumber", (long)(pageNumber < 1 ? 1 : pageNumber) },
                };
                channel = ChannelFactory.Open("parameters");
                return channel.Call(method, parameters);
            }
            catch (Exception e)
            {
                throw MimErrors.Translate(e, method);
            }
            finally
            {
                ChannelFactory.DisposeQuietly(channel);
            }
        }
    }
}
