using System;
using System.Collections.ObjectModel;
using Microsoft.MetadirectoryServices;
using MimGraph.Bridge.Conversion;
using MimGraph.Bridge.Protocol;

namespace MimGraph.Bridge.Ecma
{
    /// <summary>MIM's capabilities call: getCapabilities on a channel opened for it.</summary>
    public class MimGraphCapabilities : IMAExtensible2GetCapabilities, IMAExtensible2GetCapabilitiesEx
    {
        public MimGraphCapabilities() { }

        public MACapabilities Capabilities => GetCapabilities(null);

        public MACapabilities GetCapabilitiesEx(KeyedCollection<string, ConfigParameter> configParameters) => GetCapabilities(configParameters);

        private static MACapabilities GetCapabilities(KeyedCollection<string, ConfigParameter>? configParameters)
        {
            ChannelFactory.ConfigureLog(configParameters);
            IConnectorChannel? channel = null;
            try
            {
                channel = ChannelFactory.Open("capabilities");
                var answer = channel.Call("getCapabilities", new JsonObject(1) { { "config", ConfigValues.ToJson(configParameters) } });
                return CapabilitiesConversion.FromJson(answer);
            }
            catch (Exception e)
            {
                throw MimErrors.Translate(e, "getCapabilities");
            }
            finally
            {
                ChannelFactory.DisposeQuietly(channel);
            }
        }
    }
}
