using System;
using System.Linq;
using Microsoft.MetadirectoryServices;
using MimGraph.Bridge.Conversion;
using MimGraph.Bridge.Protocol;
using Xunit;

namespace MimGraph.Bridge.Tests.Conversion
{
    public class ParameterConversionTests
    {
        [Fact]
        public void EveryParameterTypeGoesThroughMimsFactories()
        {
            var defs = ParameterConversion.DefinitionsFromJson(J.O(@"{'parameters':[
                {'name':'','type':'Label','text':'Connect to Microsoft Graph'},
                {'name':'Tenant','type':'String','validation':'^.+$','defaultValue':'contoso'},
                {'name':'Client secret','type':'EncryptedString'},
                {'name':'','type':'Divider'},
                {'name':'Cloud','type':'DropDown','validation':'Global,USGovernment,China','defaultValue':'Global'},
                {'name':'Log level','type':'DropDown','validation':'error,warn','dropDownExtensible':true},
                {'name':'Send invitation message','type':'CheckBox','defaultValue':'1'},
                {'name':'Object type: group','type':'CheckBox','defaultValue':'0'},
                {'name':'Object type: contact','type':'CheckBox'},
                {'name':'Invitation message text','type':'Text','defaultValue':'Welcome'},
                {'name':'Certificate file','type':'File','defaultValue':'C:\\cert.pfx'}
            ]}"));
            Assert.Equal(11, defs.Count);
            Assert.Equal(ConfigParameterType.Label, defs[0].Type);
            Assert.Equal("Connect to Microsoft Graph", defs[0].Text);
            Assert.Equal(ConfigParameterType.String, defs[1].Type);
            Assert.Equal("Tenant", defs[1].Name);
            Assert.Equal("^.+$", defs[1].Validation);
            Assert.Equal("contoso", defs[1].DefaultValue);
            Assert.Equal(ConfigParameterType.EncryptedString, defs[2].Type);
            Assert.Equal("", defs[2].DefaultValue);
            Assert.Equal(ConfigParameterType.Divider, defs[3].Type);
            Assert.Equal(ConfigParameterType.DropDown, defs[4].Type);
            Assert.Equal("Global,USGovernment,China", defs[4].Validation); // the string overload keeps it as given
            Assert.Equal("Global", defs[4].DefaultValue);
            Assert.False(defs[4].DropDownExtensible);
            Assert.True(defs[5].DropDownExtensible);
            Assert.Equal(ConfigParameterType.CheckBox, defs[6].Type);
            Assert.True(defs[6].CheckBoxDefault);
            Assert.Equal("1", defs[6].DefaultValue);
            Assert.False(defs[7].CheckBoxDefault);
            Assert.Equal("0", defs[7].DefaultValue);
            Assert.Equal("", defs[8].DefaultValue);
            Assert.Equal(ConfigParameterType.Text, defs[9].Type);
            Assert.Equal("Welcome", defs[9].DefaultValue);
            Assert.Equal(ConfigParameterType.File, defs[10].Type);
            Assert.Equal("C:\\cert.pfx", defs[10].DefaultValue);
        }

        [Fact]
        public void BadDefinitionsNameTheirIndexAndField()
        {
            var e = J.UnexpectedData(() => ParameterConversion.DefinitionsFromJson(J.O("{'parameters':[{'name':'a','type':'String'},{'name':'b','type':'Slider'}]}")));
            Assert.Contains("\"parameters[1].type\" must be one of", e.Message);
            e = J.UnexpectedData(() => ParameterConversion.DefinitionsFromJson(J.O("{'parameters':[{'name':'x','type':'CheckBox','defaultValue':'yes'}]}")));
            Assert.Contains("\"parameters[0].defaultValue\"", e.Message);
            e = J.UnexpectedData(() => ParameterConversion.DefinitionsFromJson(J.O("{'parameters':[{'name':'','type':'String'}]}")));
            Assert.Contains("\"parameters[0].name\" must not be empty", e.Message);
            e = J.UnexpectedData(() => ParameterConversion.DefinitionsFromJson(J.O("{'parameters':[42]}")));
            Assert.Contains("\"parameters[0]\" must be an object, not a number", e.Message);
            e = J.UnexpectedData(() => ParameterConversion.DefinitionsFromJson(J.O("{}")));
            Assert.Contains("\"parameters\" is missing", e.Message);
        }

        [Fact]
        public void ValidationResultsMap()
        {
            var ok = ParameterConversion.ValidationFromJson(J.O("{'code':'Success'}"));
            Assert.Equal(ParameterValidationResultCode.Success, ok.Code);
            Assert.Null(ok.ErrorMessage);
            var bad = ParameterConversion.ValidationFromJson(J.O("{'code':'Failure','errorMessage':'Tenant is required','errorParameter':'Tenant'}"));
            Assert.Equal(ParameterValidationResultCode.Failure, bad.Code);
            Assert.Equal("Tenant is required", bad.ErrorMessage);
            Assert.Equal("Tenant", bad.ErrorParameter);
            Assert.Contains("\"code\"", J.UnexpectedData(() => ParameterConversion.ValidationFromJson(J.O("{'code':'Maybe'}"))).Message);
        }

        [Fact]
        public void PageNamesAreMimsOwn()
        {
            Assert.Equal("Connectivity", ParameterConversion.PageName(ConfigParameterPage.Connectivity));
            Assert.Equal("Schema", ParameterConversion.PageName(ConfigParameterPage.Schema));
            Assert.Equal("RunStep", ParameterConversion.PageName(ConfigParameterPage.RunStep));
            Assert.Throws<ArgumentOutOfRangeException>(() => ParameterConversion.PageName((ConfigParameterPage)42));
        }
    }

    public class SchemaConversionTests
    {
        internal const string UserAndGroup = @"{'types':[
            {'name':'user','locked':true,'attributes':[
                {'name':'id','dataType':'String','multiValued':false,'anchor':true,'operation':'ImportOnly'},
                {'name':'displayName','dataType':'String','multiValued':false,'anchor':false,'operation':'ImportExport'},
                {'name':'accountEnabled','dataType':'Boolean','multiValued':false,'anchor':false,'operation':'ImportExport'},
                {'name':'proxyAddresses','dataType':'String','multiValued':true,'anchor':false,'operation':'ImportOnly'},
                {'name':'manager','dataType':'Reference','multiValued':false,'anchor':false,'operation':'ImportExport'},
                {'name':'employeeNumber','dataType':'Integer','multiValued':false,'anchor':false,'operation':'ExportOnly','hiddenByDefault':true},
                {'name':'thumbnailPhoto','dataType':'Binary','multiValued':false,'anchor':false,'operation':'ImportExport'}
            ],'possibleDnComponents':['id']},
            {'name':'group','locked':true,'attributes':[
                {'name':'id','dataType':'String','multiValued':false,'anchor':true,'operation':'ImportOnly'},
                {'name':'members','dataType':'Reference','multiValued':true,'anchor':false,'operation':'ImportExport'}
            ]}
        ]}";

        [Fact]
        public void TheWorkersSchemaBecomesMimsSchema()
        {
            var schema = SchemaConversion.FromJson(J.O(UserAndGroup));
            Assert.Equal(2, schema.Types.Count);
            var user = schema.Types["user"];
            Assert.True(user.Locked);
            Assert.Equal(7, user.Attributes.Count);
            Assert.Single(user.AnchorAttributes);
            var id = user.Attributes["id"];
            Assert.True(id.IsAnchor);
            Assert.Equal(AttributeOperation.ImportOnly, id.AllowedAttributeOperation);
            Assert.True(user.Attributes["proxyAddresses"].IsMultiValued);
            Assert.Equal(AttributeType.Boolean, user.Attributes["accountEnabled"].DataType);
            Assert.Equal(AttributeType.Reference, user.Attributes["manager"].DataType);
            Assert.False(user.Attributes["manager"].IsMultiValued);
            var emp = user.Attributes["employeeNumber"];
            Assert.Equal(AttributeType.Integer, emp.DataType);
            Assert.Equal(AttributeOperation.ExportOnly, emp.AllowedAttributeOperation);
            Assert.True(emp.HiddenByDefault);
            Assert.False(user.Attributes["displayName"].HiddenByDefault);
            Assert.Equal(AttributeType.Binary, user.Attributes["thumbnailPhoto"].DataType);
            Assert.Equal(new[] { "id" }, user.PossibleDNComponentsForProvisioning.ToArray());
            Assert.Empty(schema.Types["group"].PossibleDNComponentsForProvisioning);
            Assert.True(schema.Validate());
        }

        [Fact]
        public void SchemaRoundTripsThroughJson()
        {
            var original = J.O(UserAndGroup);
            var back = SchemaConversion.ToJson(SchemaConversion.FromJson(original));
            Assert.Equal(Json.Write(original), Json.Write(back));
        }

        [Fact]
        public void ASchemaMimBuiltItselfBecomesJson()
        {
            var schema = Schema.Create();
            var t = SchemaType.Create("user", true);
            t.Attributes.Add(SchemaAttribute.CreateAnchorAttribute("id", AttributeType.String));
            t.Attributes.Add(SchemaAttribute.CreateMultiValuedAttribute("otherMails", AttributeType.String, AttributeOperation.ImportExport));
            schema.Types.Add(t);
            schema.SetReadOnly();
            var json = Json.Write(SchemaConversion.ToJson(schema));
            Assert.Equal("{\"types\":[{\"name\":\"user\",\"locked\":true,\"attributes\":[{\"name\":\"id\",\"dataType\":\"String\",\"multiValued\":false,\"anchor\":true,\"operation\":\"ImportExport\"},"
                + "{\"name\":\"otherMails\",\"dataType\":\"String\",\"multiValued\":true,\"anchor\":false,\"operation\":\"ImportExport\"}]}]}", json);
            Assert.Equal("{\"types\":[]}", Json.Write(SchemaConversion.ToJson(null)));
        }

        [Theory]
        [InlineData("{'name':'enabled','dataType':'Boolean','multiValued':false,'anchor':true,'operation':'ImportOnly'}", "types[0].attributes[1].dataType")]
        [InlineData("{'name':'flags','dataType':'Boolean','multiValued':true,'anchor':false,'operation':'ImportOnly'}", "types[0].attributes[1].dataType")]
        [InlineData("{'name':'ref','dataType':'Reference','multiValued':false,'anchor':true,'operation':'ImportOnly'}", "types[0].attributes[1].dataType")]
        [InlineData("{'name':'x','dataType':'String','multiValued':true,'anchor':true,'operation':'ImportOnly'}", "types[0].attributes[1].multiValued")]
        [InlineData("{'name':'x','dataType':'Date','multiValued':false,'anchor':false,'operation':'ImportOnly'}", "types[0].attributes[1].dataType")]
        [InlineData("{'name':'x','dataType':'String','multiValued':false,'anchor':false,'operation':'ReadWrite'}", "types[0].attributes[1].operation")]
        [InlineData("{'name':'x','dataType':'String','anchor':false,'operation':'ImportOnly'}", "types[0].attributes[1].multiValued")]
        [InlineData("{'name':'id','dataType':'String','multiValued':false,'anchor':false,'operation':'ImportOnly'}", "types[0].attributes[1].name")]
        [InlineData("{'name':'','dataType':'String','multiValued':false,'anchor':false,'operation':'ImportOnly'}", "types[0].attributes[1].name")]
        public void BadAttributesAreUnexpectedDataNamingTheField(string attribute, string field)
        {
            var json = "{'types':[{'name':'user','locked':true,'attributes':[{'name':'id','dataType':'String','multiValued':false,'anchor':true,'operation':'ImportOnly'}," + attribute + "]}]}";
            var e = J.UnexpectedData(() => SchemaConversion.FromJson(J.O(json)));
            Assert.Contains("\"" + field + "\"", e.Message);
            Assert.Contains("object type \"user\"", e.Message);
        }

        [Fact]
        public void BadTypesAreUnexpectedData()
        {
            Assert.Contains("\"types\" is missing", J.UnexpectedData(() => SchemaConversion.FromJson(J.O("{}"))).Message);
            Assert.Contains("\"types[0].locked\"", J.UnexpectedData(() => SchemaConversion.FromJson(J.O("{'types':[{'name':'user','attributes':[]}]}"))).Message);
            Assert.Contains("\"types[1].name\" repeats", J.UnexpectedData(() => SchemaConversion.FromJson(J.O("{'types':[{'name':'u','locked':false,'attributes':[]},{'name':'u','locked':false,'attributes':[]}]}"))).Message);
            Assert.Contains("\"types[0].possibleDnComponents[0]\"", J.UnexpectedData(() => SchemaConversion.FromJson(J.O("{'types':[{'name':'u','locked':false,'attributes':[],'possibleDnComponents':[1]}]}"))).Message);
        }

        [Fact]
        public void SchemaIndexFindsAttributesByTypeAndName()
        {
            var index = new SchemaIndex(SchemaConversion.FromJson(J.O(UserAndGroup)));
            Assert.Equal(AttributeType.Reference, index.Type("group")!["members"].DataType);
            Assert.Null(index.Type("contact"));
            Assert.Null(index.Type(null));
            Assert.Null(SchemaIndex.Empty.Type("user"));
        }
    }
}
