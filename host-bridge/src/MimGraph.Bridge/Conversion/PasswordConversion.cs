using System;
using Microsoft.MetadirectoryServices;
using MimGraph.Bridge.Protocol;

namespace MimGraph.Bridge.Conversion
{
    /// <summary>What a password call needs of MIM's CSEntry: its DN, object type and anchor.</summary>
    internal static class PasswordConversion
    {
        /// <summary>The anchor attribute of every type in the connector's schema (Graph's <c>id</c>; connector/schema/detect.ts).</summary>
        public const string AnchorAttributeName = "id";

        public static JsonObject TargetToJson(CSEntry csentry)
        {
            if (csentry == null) throw new ArgumentNullException(nameof(csentry));
            string? dn = csentry.DN?.ToString();
            if (string.IsNullOrEmpty(dn)) throw new ConnectorCallException("ObjectNotFound", "MIM handed a password target without a DN (object type '" + csentry.ObjectType + "')");
            var o = new JsonObject(3)
            {
                { "dn", dn },
                { "objectType", csentry.ObjectType },
            };
            var anchor = Anchor(csentry);
            if (anchor != null) o.Add("anchor", anchor);
            return o;
        }

        private static string? Anchor(CSEntry csentry)
        {
            try
            {
                var attrib = csentry[AnchorAttributeName];
                if (attrib == null || !attrib.IsPresent) return null;
                var value = attrib.Value;
                return string.IsNullOrEmpty(value) ? null : value;
            }
            catch (MetadirectoryServicesException)
            {
                // Not in this object type's schema (NoSuchAttributeInObjectTypeException and the like).
                return null;
            }
        }

        public static JsonObject Options(PasswordOptions options) => new JsonObject(3)
        {
            { "forceChangeAtLogOn", (options & PasswordOptions.ForceChangeAtLogOn) != 0 },
            { "unlockAccount", (options & PasswordOptions.UnlockAccount) != 0 },
            { "validatePassword", (options & PasswordOptions.ValidatePassword) != 0 },
        };
    }
}
