using System;
using System.Security;
using Microsoft.MetadirectoryServices;
using MimGraph.Bridge.Conversion;
using MimGraph.Bridge.Protocol;
using Xunit;

namespace MimGraph.Bridge.Tests.Conversion
{
    public class ConfigValuesTests
    {
        private const string Secret = "Zq8~not-a-real-secret-7Hk";

        [Fact]
        public void PlainAndEncryptedValuesBecomeConfigValues()
        {
            var config = J.Config(
                new ConfigParameter("Tenant", "contoso.onmicrosoft.com"),
                new ConfigParameter("Client secret", J.Secure(Secret)),
                new ConfigParameter("Empty", ""),
                new ConfigParameter("Legacy secret", "old-style", true));
            var json = ConfigValues.ToJson(config);
            Assert.Equal(4, json.Count);
            Assert.Equal("contoso.onmicrosoft.com", json.RequireObj("Tenant").RequireString("value"));
            Assert.False(json.RequireObj("Tenant").ContainsKey("encrypted"));
            Assert.Equal(Secret, json.RequireObj("Client secret").RequireString("value"));
            Assert.True(json.RequireObj("Client secret").Bool("encrypted", false));
            Assert.Equal("", json.RequireObj("Empty").RequireString("value"));
            Assert.Equal("old-style", json.RequireObj("Legacy secret").RequireString("value"));
            Assert.True(json.RequireObj("Legacy secret").Bool("encrypted", false));
        }

        [Fact]
        public void NullOrEmptyCollectionGivesAnEmptyObject()
        {
            Assert.Empty(ConfigValues.ToJson(null));
            Assert.Empty(ConfigValues.ToJson(new ConfigParameterKeyedCollection()));
        }

        [Fact]
        public void AnEmptySecureStringIsAnEmptyValue()
        {
            var json = ConfigValues.ToJson(J.Config(new ConfigParameter("Proxy password", new SecureString())));
            Assert.Equal("", json.RequireObj("Proxy password").RequireString("value"));
        }

        [Fact]
        public void NamesAreCaseSensitiveAsMimsCollection()
        {
            var json = ConfigValues.ToJson(J.Config(new ConfigParameter("Tenant", "a"), new ConfigParameter("tenant", "b")));
            Assert.Equal("a", json.RequireObj("Tenant").RequireString("value"));
            Assert.Equal("b", json.RequireObj("tenant").RequireString("value"));
        }

        [Fact]
        public void PlainValueIgnoresEncryptedAndMissingParameters()
        {
            var config = J.Config(new ConfigParameter("Log level", "debug"), new ConfigParameter("Client secret", J.Secure(Secret)));
            Assert.Equal("debug", ConfigValues.PlainValue(config, "Log level"));
            Assert.Null(ConfigValues.PlainValue(config, "Client secret"));
            Assert.Null(ConfigValues.PlainValue(config, "Log file"));
            Assert.Null(ConfigValues.PlainValue(null, "Log file"));
        }

        [Fact]
        public void SecureStringToPlainTextRoundTrips()
        {
            Assert.Equal("pässwörd €", Secrets.ToPlainText(J.Secure("pässwörd €")));
            Assert.Equal("", Secrets.ToPlainText(null));
        }
    }

    public class CapabilitiesConversionTests
    {
        // What connector/capabilities.ts answers.
        internal const string Answer = "{'distinguishedNameStyle':'Generic','isDnAsAnchor':false,'objectRename':false,'supportHierarchy':false,'supportPartitions':false,"
            + "'noReferenceValuesInFirstExport':true,'exportType':'AttributeUpdate','objectConfirmation':'Normal','deltaImport':true,'concurrentOperation':true,"
            + "'deleteAddAsReplace':false,'fullExport':false,'supportPassword':true,'exportPasswordInFirstPass':true,'normalizations':'None','supportImport':true,'supportExport':true}";

        [Fact]
        public void TheConnectorsAnswerBecomesMACapabilities()
        {
            var c = CapabilitiesConversion.FromJson(J.O(Answer));
            Assert.Equal(MADistinguishedNameStyle.Generic, c.DistinguishedNameStyle);
            Assert.False(c.IsDNAsAnchor);
            Assert.False(c.ObjectRename);
            Assert.False(c.SupportHierarchy);
            Assert.False(c.SupportPartitions);
            Assert.True(c.NoReferenceValuesInFirstExport);
            Assert.Equal(MAExportType.AttributeUpdate, c.ExportType);
            Assert.Equal(MAObjectConfirmation.Normal, c.ObjectConfirmation);
            Assert.True(c.DeltaImport);
            Assert.True(c.ConcurrentOperation);
            Assert.False(c.DeleteAddAsReplace);
            Assert.False(c.FullExport);
            Assert.True(c.SupportPassword);
            Assert.True(c.ExportPasswordInFirstPass);
            Assert.Equal(MANormalizations.None, c.Normalizations);
            Assert.True(c.SupportImport);
            Assert.True(c.SupportExport);
        }

        [Fact]
        public void EveryOtherEnumMemberMaps()
        {
            var o = J.O(Answer);
            o["distinguishedNameStyle"] = "Ldap";
            o["exportType"] = "MultivaluedReferenceAttributeUpdate";
            o["objectConfirmation"] = "NoAddAndDeleteConfirmation";
            o["normalizations"] = "RemoveAccents";
            o["objectRename"] = true;
            var c = CapabilitiesConversion.FromJson(o);
            Assert.Equal(MADistinguishedNameStyle.Ldap, c.DistinguishedNameStyle);
            Assert.Equal(MAExportType.MultivaluedReferenceAttributeUpdate, c.ExportType);
            Assert.Equal(MAObjectConfirmation.NoAddAndDeleteConfirmation, c.ObjectConfirmation);
            Assert.Equal(MANormalizations.RemoveAccents, c.Normalizations);
            Assert.True(c.ObjectRename);
        }

        [Fact]
        public void DnStyleNoneKeepsMimsRuleThatRenamesAreOff()
        {
            var o = J.O(Answer);
            o["distinguishedNameStyle"] = "None";
            o["objectRename"] = true;
            Assert.False(CapabilitiesConversion.FromJson(o).ObjectRename);
        }

        [Theory]
        [InlineData("supportPassword")]
        [InlineData("exportType")]
        [InlineData("supportPartitions")]
        public void AMissingFieldIsUnexpectedDataNamingIt(string field)
        {
            var o = J.O(Answer);
            o.Remove(field);
            var e = J.UnexpectedData(() => CapabilitiesConversion.FromJson(o));
            Assert.Contains("\"" + field + "\"", e.Message);
            Assert.Contains("getCapabilities", e.Message);
        }

        [Fact]
        public void WrongTypesAndUnknownNamesAreRefused()
        {
            var o = J.O(Answer);
            o["deltaImport"] = "yes";
            Assert.Contains("\"deltaImport\" must be true or false, not a string", J.UnexpectedData(() => CapabilitiesConversion.FromJson(o)).Message);
            o = J.O(Answer);
            o["exportType"] = "3"; // numbers are not names
            Assert.Contains("\"exportType\" must be one of", J.UnexpectedData(() => CapabilitiesConversion.FromJson(o)).Message);
            o = J.O(Answer);
            o["normalizations"] = "uppercase"; // case matters
            J.UnexpectedData(() => CapabilitiesConversion.FromJson(o));
        }
    }
}
