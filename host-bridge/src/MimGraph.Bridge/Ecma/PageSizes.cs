namespace MimGraph.Bridge.Ecma
{
    /// <summary>
    /// Page and batch sizes MIM registers with the extension. The defaults are the connector's own
    /// (connector/config/cli-config.ts DEFAULT_PAGE_SIZE, connector/cli/export.ts BATCH); the maxima keep
    /// one page of ~15-attribute users to a few MB of JSON, well inside the protocol's limit.
    /// </summary>
    internal static class PageSizes
    {
        public const int ImportDefault = 100;
        public const int ImportMax = 10000;
        public const int ExportDefault = 100;
        public const int ExportMax = 10000;

        /// <summary>The protocol's bounds for pageSize/batchSize (schemas/bridge-protocol.schema.json).</summary>
        public const int ProtocolMax = 100000;

        public static long Clamp(int size) => size < 1 ? 1 : size > ProtocolMax ? ProtocolMax : size;
    }
}
