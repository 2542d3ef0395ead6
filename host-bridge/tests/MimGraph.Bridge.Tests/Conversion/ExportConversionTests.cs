using System;
using System.Collections.Generic;
using Microsoft.MetadirectoryServices;
using Microsoft.MetadirectoryServices.DetachedObjectModel;
using MimGraph.Bridge.Conversion;
using MimGraph.Bridge.Protocol;
using Xunit;

namespace MimGraph.Bridge.Tests.Conversion
{
    public class ExportConversionTests
    {
        private static readonly SchemaIndex Schema = new SchemaIndex(SchemaConversion.FromJson(J.O(SchemaConversionTests.UserAndGroup)));

        private static JsonObject Value(JsonObject attribute, int i = 0) => (JsonObject)((JsonObject)attribute.Arr("values")![i]!)["value"]!;

        private static JsonObject Attr(JsonObject entry, string name)
        {
            foreach (var a in entry.Arr("attributes")!) if (((JsonObject)a!).Str("name") == name) return (JsonObject)a!;
            throw new Xunit.Sdk.XunitException("no attribute " + name);
        }

        [Fact]
        public void AnAddIsWrittenWithIdentifierAndTypesFromTheSchema()
        {
            var cs = CSEntryChange.Create();
            cs.ObjectModificationType = ObjectModificationType.Add;
            cs.ObjectType = "user";
            cs.DN = "{new-user}";
            cs.AttributeChanges.Add(AttributeChange.CreateAttributeAdd("displayName", "Ann"));
            cs.AttributeChanges.Add(AttributeChange.CreateAttributeAdd("accountEnabled", true));
            cs.AttributeChanges.Add(AttributeChange.CreateAttributeAdd("manager", "boss-id"));
            cs.AttributeChanges.Add(AttributeChange.CreateAttributeAdd("employeeNumber", 42L));
            cs.AttributeChanges.Add(AttributeChange.CreateAttributeAdd("thumbnailPhoto", new byte[] { 1, 2, 3 }));
            cs.AttributeChanges.Add(AttributeChange.CreateAttributeAdd("export_password", J.Secure("P@ss-w0rd!")));

            var o = ExportConversion.EntryToJson(cs, Schema);
            Assert.Equal(cs.Identifier.ToString("D"), o.Str("identifier"));
            Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", o.Str("identifier"));
            Assert.Equal("Add", o.Str("modification"));
            Assert.Equal("user", o.Str("objectType"));
            Assert.Equal("{new-user}", o.Str("dn"));
            Assert.Empty(o.Arr("anchors")!);

            var display = Attr(o, "displayName");
            Assert.Equal("Add", display.Str("modification"));
            Assert.Equal("String", display.Str("dataType"));
            Assert.False(display.Bool("isMultiValued", true)); // the schema's, not the factory's "true"
            Assert.Equal("Add", ((JsonObject)display.Arr("values")![0]!).Str("modification"));
            Assert.Equal("{\"type\":\"String\",\"value\":\"Ann\"}", Json.Write(Value(display)));
            Assert.Equal("{\"type\":\"Boolean\",\"value\":true}", Json.Write(Value(Attr(o, "accountEnabled"))));
            Assert.Equal("{\"type\":\"Reference\",\"value\":\"boss-id\"}", Json.Write(Value(Attr(o, "manager"))));
            Assert.Equal("Reference", Attr(o, "manager").Str("dataType"));
            Assert.Equal("{\"type\":\"Integer\",\"value\":\"42\"}", Json.Write(Value(Attr(o, "employeeNumber"))));
            Assert.Equal("{\"type\":\"Binary\",\"value\":\"AQID\"}", Json.Write(Value(Attr(o, "thumbnailPhoto"))));
            // Not in the schema: typed by the CLR type; a SecureString password travels as text.
            var password = Attr(o, "export_password");
            Assert.False(password.ContainsKey("dataType"));
            Assert.Equal("{\"type\":\"String\",\"value\":\"P@ss-w0rd!\"}", Json.Write(Value(password)));
        }

        [Fact]
        public void TheChangesOwnDataTypeComesFirst()
        {
            var cs = new CSEntryChangeDetached(Guid.NewGuid(), ObjectModificationType.Update, MAImportError.Success, null);
            cs.ObjectType = "user";
            cs.DN = "u1";
            cs.AnchorAttributes.Add(new AnchorAttributeDetached("id", AttributeType.String, "u1"));
            // The schema says String for displayName; the engine's change says Reference: the change wins.
            cs.AttributeChanges.Add(new AttributeChangeDetached("displayName", AttributeModificationType.Replace,
                new List<ValueChange> { ValueChange.CreateValueAdd("x") }, AttributeType.Reference, false, false));
            cs.AttributeChanges.Add(new AttributeChangeDetached("employeeNumber", AttributeModificationType.Replace,
                new List<ValueChange> { ValueChange.CreateValueAdd(7) }, AttributeType.Integer, false, false));
            var o = ExportConversion.EntryToJson(cs, Schema);
            Assert.Equal("{\"type\":\"Reference\",\"value\":\"x\"}", Json.Write(Value(Attr(o, "displayName"))));
            Assert.Equal("Replace", Attr(o, "displayName").Str("modification"));
            Assert.Equal("{\"type\":\"Integer\",\"value\":\"7\"}", Json.Write(Value(Attr(o, "employeeNumber"))));
            Assert.Equal("{\"name\":\"id\",\"value\":{\"type\":\"String\",\"value\":\"u1\"}}", Json.Write(o.Arr("anchors")![0]));
        }

        [Fact]
        public void WithoutSchemaTheClrTypeDecides()
        {
            var cs = CSEntryChange.Create();
            cs.ObjectModificationType = ObjectModificationType.Add;
            cs.ObjectType = "contact";
            cs.AttributeChanges.Add(AttributeChange.CreateAttributeAdd("s", "text"));
            cs.AttributeChanges.Add(AttributeChange.CreateAttributeAdd("l", 5L));
            cs.AttributeChanges.Add(AttributeChange.CreateAttributeAdd("i", 6));
            cs.AttributeChanges.Add(AttributeChange.CreateAttributeAdd("b", false));
            cs.AttributeChanges.Add(AttributeChange.CreateAttributeAdd("y", new byte[0]));
            var o = ExportConversion.EntryToJson(cs, SchemaIndex.Empty);
            Assert.Equal("{\"type\":\"String\",\"value\":\"text\"}", Json.Write(Value(Attr(o, "s"))));
            Assert.Equal("{\"type\":\"Integer\",\"value\":\"5\"}", Json.Write(Value(Attr(o, "l"))));
            Assert.Equal("{\"type\":\"Integer\",\"value\":\"6\"}", Json.Write(Value(Attr(o, "i"))));
            Assert.Equal("{\"type\":\"Boolean\",\"value\":false}", Json.Write(Value(Attr(o, "b"))));
            Assert.Equal("{\"type\":\"Binary\",\"value\":\"\"}", Json.Write(Value(Attr(o, "y"))));
            Assert.False(o.ContainsKey("dn"));
            Assert.True(Attr(o, "s").Bool("isMultiValued", false)); // factory-made and unknown to the schema
        }

        [Fact]
        public void AnUpdateCarriesValueDeltasDeletesAndTheRename()
        {
            var cs = new CSEntryChangeDetached(Guid.Parse("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"), ObjectModificationType.Update, MAImportError.Success, null);
            cs.ObjectType = "group";
            cs.DN = "g1";
            cs.AnchorAttributes.Add(AnchorAttribute.Create("id", "g1"));
            cs.AttributeChanges.Add(AttributeChange.CreateAttributeUpdate("members", new List<ValueChange> { ValueChange.CreateValueAdd("u1"), ValueChange.CreateValueDelete("u2") }));
            cs.AttributeChanges.Add(AttributeChange.CreateAttributeDelete("description"));
            cs.AttributeChanges.Add(AttributeChange.CreateNewDN("g1-renamed"));
            var o = ExportConversion.EntryToJson(cs, Schema);
            Assert.Equal("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", o.Str("identifier"));
            Assert.Equal("Update", o.Str("modification"));
            Assert.Equal("{\"name\":\"id\",\"value\":{\"type\":\"String\",\"value\":\"g1\"}}", Json.Write(o.Arr("anchors")![0]));
            var members = Attr(o, "members");
            Assert.Equal("{\"name\":\"members\",\"modification\":\"Update\",\"values\":[{\"modification\":\"Add\",\"value\":{\"type\":\"Reference\",\"value\":\"u1\"}},"
                + "{\"modification\":\"Delete\",\"value\":{\"type\":\"Reference\",\"value\":\"u2\"}}],\"dataType\":\"Reference\",\"isMultiValued\":true}", Json.Write(members));
            var description = Attr(o, "description");
            Assert.Equal("Delete", description.Str("modification"));
            Assert.Empty(description.Arr("values")!);
            var dn = Attr(o, "DN");
            Assert.Equal("Replace", dn.Str("modification"));
            Assert.Equal("{\"type\":\"String\",\"value\":\"g1-renamed\"}", Json.Write(Value(dn)));
        }

        [Fact]
        public void AReplaceAndADeleteAreWritten()
        {
            var replace = CSEntryChange.Create();
            replace.ObjectModificationType = ObjectModificationType.Replace;
            replace.ObjectType = "user";
            replace.DN = "u1";
            replace.AttributeChanges.Add(AttributeChange.CreateAttributeAdd("otherMails", new List<object> { "a@x", "b@x" }));
            var o = ExportConversion.EntryToJson(replace, Schema);
            Assert.Equal("Replace", o.Str("modification"));
            Assert.Equal(2, Attr(o, "otherMails").Arr("values")!.Count);

            var delete = CSEntryChange.Create();
            delete.ObjectModificationType = ObjectModificationType.Delete;
            delete.ObjectType = "user";
            delete.DN = "u1";
            delete.AnchorAttributes.Add(AnchorAttribute.Create("id", "u1"));
            o = ExportConversion.EntryToJson(delete, Schema);
            Assert.Equal("Delete", o.Str("modification"));
            Assert.Empty(o.Arr("attributes")!);
        }

        [Fact]
        public void ValuesThatCannotBeTheirTypeStopTheCallWithoutShowingTheValue()
        {
            var cs = CSEntryChange.Create();
            cs.ObjectModificationType = ObjectModificationType.Add;
            cs.ObjectType = "user";
            cs.DN = "u1";
            cs.AttributeChanges.Add(AttributeChange.CreateAttributeAdd("thumbnailPhoto", J.Secure("hunter2-secret"))); // Binary in the schema
            var e = Assert.Throws<ConnectorCallException>(() => ExportConversion.EntryToJson(cs, Schema, 4));
            Assert.Equal("ExtensibleExtension", e.MimError);
            Assert.Contains("export entry 4", e.Message);
            Assert.Contains("'thumbnailPhoto'", e.Message);
            Assert.Contains("dn 'u1'", e.Message);
            Assert.DoesNotContain("hunter2", e.ToString());

            var odd = CSEntryChange.Create();
            odd.ObjectModificationType = ObjectModificationType.Add;
            odd.ObjectType = "contact";
            odd.AttributeChanges.Add(AttributeChange.CreateAttributeAdd("when", DateTime.UtcNow));
            e = Assert.Throws<ConnectorCallException>(() => ExportConversion.EntryToJson(odd, SchemaIndex.Empty));
            Assert.Contains("System.DateTime", e.Message);

            var none = new CSEntryChangeDetached(Guid.NewGuid(), ObjectModificationType.None, MAImportError.Success, null);
            none.ObjectType = "user";
            Assert.Contains("ObjectModificationType is None", Assert.Throws<ConnectorCallException>(() => ExportConversion.EntryToJson(none, Schema)).Message);

            var untyped = CSEntryChange.Create();
            untyped.ObjectModificationType = ObjectModificationType.Add;
            Assert.Contains("no ObjectType", Assert.Throws<ConnectorCallException>(() => ExportConversion.EntryToJson(untyped, Schema)).Message);
        }

        [Fact]
        public void IntegersAndBooleansAcceptTheirTextForms()
        {
            var cs = new CSEntryChangeDetached(Guid.NewGuid(), ObjectModificationType.Update, MAImportError.Success, null);
            cs.ObjectType = "user";
            cs.AttributeChanges.Add(AttributeChange.CreateAttributeReplace("employeeNumber", "123"));
            cs.AttributeChanges.Add(AttributeChange.CreateAttributeReplace("accountEnabled", "TRUE"));
            var o = ExportConversion.EntryToJson(cs, Schema);
            Assert.Equal("{\"type\":\"Integer\",\"value\":\"123\"}", Json.Write(Value(Attr(o, "employeeNumber"))));
            Assert.Equal("{\"type\":\"Boolean\",\"value\":true}", Json.Write(Value(Attr(o, "accountEnabled"))));
        }

        // ---- results -----------------------------------------------------------------------------

        private static List<CSEntryChange> Sent(params string[] ids)
        {
            var list = new List<CSEntryChange>();
            foreach (var id in ids)
            {
                var cs = new CSEntryChangeDetached(Guid.Parse(id), ObjectModificationType.Add, MAImportError.Success, null);
                cs.ObjectType = "user";
                list.Add(cs);
            }
            return list;
        }

        private const string A = "11111111-1111-1111-1111-111111111111";
        private const string B = "22222222-2222-2222-2222-222222222222";

        [Fact]
        public void ResultsCarryNewAnchorsAndErrorsByName()
        {
            var results = ExportConversion.ResultsFromJson(J.O("{'results':["
                + "{'identifier':'" + A + "','errorCode':'Success','anchors':[{'name':'id','modification':'Add','values':[{'modification':'Add','value':{'type':'String','value':'new-id'}}]}]},"
                + "{'identifier':'" + B + "','errorCode':'ExportErrorCustomContinueRun','anchors':[],'errorName':'Request_BadRequest','errorDetail':'mailNickname is invalid (request-id abc)'}"
                + "]}"), Sent(A, B));
            Assert.Equal(2, results.CSEntryChangeResults.Count);
            var ok = results.CSEntryChangeResults[Guid.Parse(A)];
            Assert.Equal(MAExportError.Success, ok.ErrorCode);
            var anchor = Assert.Single(ok.AnchorAttributes);
            Assert.Equal("id", anchor.Name);
            Assert.Equal(AttributeModificationType.Add, anchor.ModificationType);
            Assert.Equal("new-id", Assert.Single(anchor.ValueChanges).Value);
            var failed = results.CSEntryChangeResults[Guid.Parse(B)];
            Assert.Equal(MAExportError.ExportErrorCustomContinueRun, failed.ErrorCode);
            Assert.Equal("Request_BadRequest", failed.ErrorName);
            Assert.Equal("mailNickname is invalid (request-id abc)", failed.ErrorDetail);
            Assert.Empty(failed.AnchorAttributes);
        }

        [Fact]
        public void EveryMAExportErrorNameMaps()
        {
            foreach (MAExportError code in Enum.GetValues(typeof(MAExportError)))
            {
                var r = ExportConversion.ResultsFromJson(J.O("{'results':[{'identifier':'" + A + "','errorCode':'" + code + "','anchors':[]}]}"), Sent(A));
                Assert.Equal(code, r.CSEntryChangeResults[Guid.Parse(A)].ErrorCode);
            }
        }

        [Fact]
        public void NoResultsMeansEverythingWasExported()
        {
            Assert.Empty(ExportConversion.ResultsFromJson(J.O("{'results':[]}"), Sent(A)).CSEntryChangeResults);
        }

        [Theory]
        [InlineData("{}", "\"results\" is missing")]
        [InlineData("{'results':[{'identifier':'nope','errorCode':'Success','anchors':[]}]}", "\"results[0].identifier\" must be a GUID")]
        [InlineData("{'results':[{'identifier':'33333333-3333-3333-3333-333333333333','errorCode':'Success','anchors':[]}]}", "\"results[0].identifier\" is not one of the entries sent")]
        [InlineData("{'results':[{'identifier':'11111111-1111-1111-1111-111111111111','errorCode':'Success','anchors':[]},{'identifier':'11111111-1111-1111-1111-111111111111','errorCode':'Success','anchors':[]}]}", "\"results[1].identifier\" has a second result")]
        [InlineData("{'results':[{'identifier':'11111111-1111-1111-1111-111111111111','errorCode':'Failed','anchors':[]}]}", "\"results[0].errorCode\" must be one of")]
        [InlineData("{'results':[{'identifier':'11111111-1111-1111-1111-111111111111','anchors':[]}]}", "\"results[0].errorCode\" is missing")]
        [InlineData("{'results':[{'identifier':'11111111-1111-1111-1111-111111111111','errorCode':'Success','anchors':[{'name':'id','modification':'Add','values':[]}]}]}", "\"results[0].anchors[0].values\" must hold")]
        [InlineData("{'results':[{'identifier':'11111111-1111-1111-1111-111111111111','errorCode':'Success','anchors':[{'name':'id','modification':'Add','values':[{'modification':'Add','value':{'type':'Integer','value':'x'}}]}]}]}", "\"results[0].anchors[0].values[0].value.value\"")]
        [InlineData("{'results':[{'identifier':'11111111-1111-1111-1111-111111111111','errorCode':'Success','anchors':[{'name':'id','modification':'Add','values':[{'modification':'Delete','value':{'type':'String','value':'x'}}]}]}]}", "\"results[0].anchors[0].values[0].modification\"")]
        [InlineData("{'results':[{'identifier':'11111111-1111-1111-1111-111111111111','errorCode':'Success','anchors':[{'name':'id','modification':'Add','values':[{'modification':'Add','value':{'type':'String','value':'x'}}]},{'name':'id','modification':'Add','values':[{'modification':'Add','value':{'type':'String','value':'y'}}]}]}]}", "\"results[0].anchors[1].name\" repeats")]
        [InlineData("{'results':[null]}", "\"results[0]\" must be an object")]
        [InlineData("{'results':{}}", "\"results\" must be an array")]
        public void BadResultsAreUnexpectedDataNamingTheField(string json, string expected)
        {
            var e = J.UnexpectedData(() => ExportConversion.ResultsFromJson(J.O(json), Sent(A, B)));
            Assert.Contains(expected, e.Message);
            Assert.Contains("putExportEntries", e.Message);
        }
    }
}
