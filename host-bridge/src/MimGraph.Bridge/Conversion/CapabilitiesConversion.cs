using Microsoft.MetadirectoryServices;
using MimGraph.Bridge.Protocol;

namespace MimGraph.Bridge.Conversion
{
    /// <summary>getCapabilities' answer → <see cref="MACapabilities"/>. Every field is required: MACapabilities'
    /// own defaults claim partitions, hierarchy and passwords, so a missing field must not fall back to them.</summary>
    internal static class CapabilitiesConversion
    {
        public static MACapabilities FromJson(JsonObject result)
        {
            try
            {
                var c = new MACapabilities();
                // ObjectRename before DistinguishedNameStyle: MIM's setter forces ObjectRename off for None.
                c.ObjectRename = Wire.RequireBool(result, "objectRename");
                c.DistinguishedNameStyle = Wire.RequireEnum<MADistinguishedNameStyle>(result, "distinguishedNameStyle");
                c.NoReferenceValuesInFirstExport = Wire.RequireBool(result, "noReferenceValuesInFirstExport");
                c.DeltaImport = Wire.RequireBool(result, "deltaImport");
                c.ConcurrentOperation = Wire.RequireBool(result, "concurrentOperation");
                c.DeleteAddAsReplace = Wire.RequireBool(result, "deleteAddAsReplace");
                c.ExportPasswordInFirstPass = Wire.RequireBool(result, "exportPasswordInFirstPass");
                c.FullExport = Wire.RequireBool(result, "fullExport");
                c.ObjectConfirmation = Wire.RequireEnum<MAObjectConfirmation>(result, "objectConfirmation");
                c.ExportType = Wire.RequireEnum<MAExportType>(result, "exportType");
                c.Normalizations = Wire.RequireEnum<MANormalizations>(result, "normalizations");
                c.IsDNAsAnchor = Wire.RequireBool(result, "isDnAsAnchor");
                c.SupportImport = Wire.RequireBool(result, "supportImport");
                c.SupportExport = Wire.RequireBool(result, "supportExport");
                c.SupportPartitions = Wire.RequireBool(result, "supportPartitions");
                c.SupportPassword = Wire.RequireBool(result, "supportPassword");
                c.SupportHierarchy = Wire.RequireBool(result, "supportHierarchy");
                return c;
            }
            catch (WireFieldException e)
            {
                throw Wire.Bad("getCapabilities answer", e);
            }
        }
    }
}
