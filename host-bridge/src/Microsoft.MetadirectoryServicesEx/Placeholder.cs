namespace Microsoft.MetadirectoryServices
{
    public interface IMAExtensible2GetCapabilities { }
}
