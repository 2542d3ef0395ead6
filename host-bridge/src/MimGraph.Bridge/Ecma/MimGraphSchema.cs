using System;
using System.Collections.ObjectModel;
using Microsoft.MetadirectoryServices;
using MimGraph.Bridge.Conversion;
using MimGraph.Bridge.Protocol;

namespace MimGraph.Bridge.Ecma
{
    /// <summary>MIM's schema discovery: getSchema (the connector reads Graph's $metadata).</summary>
    public class MimGraphSchema : IMAExtensible2GetSchema
    {
        public MimGraphSchema() { }

        public Schema GetSchema(KeyedCollection<string, ConfigParameter> configParameters)
        {
            ChannelFactory.ConfigureLog(configParameters);
            IConnectorChannel? channel = null;
            try
            {
                var parameters = new JsonObject(1) { { "config", ConfigValues.ToJson(configParameters) } };
                channel = ChannelFactory.Open("schema");
                var answer = channel.Call("getSchema", parameters);
                return SchemaConversion.FromJson(answer);
            }
            catch (Exception e)
            {
                throw MimErrors.Translate(e, "getSchema");
            }
            finally
            {
                ChannelFactory.DisposeQuietly(channel);
            }
        }
    }
}
