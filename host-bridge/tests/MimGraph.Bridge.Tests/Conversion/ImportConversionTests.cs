using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.MetadirectoryServices;
using MimGraph.Bridge.Conversion;
using MimGraph.Bridge.Protocol;
using Xunit;

namespace MimGraph.Bridge.Tests.Conversion
{
    public class ImportConversionTests
    {
        private const string Id = "5f2b6c1e-8a1d-4a7e-9c2b-0d1e2f3a4b5c";

        internal const string FullUser = @"{'identifier':'00000000-0000-0000-0000-000000000001','objectType':'user','modification':'Add','dn':'" + Id + @"',
            'anchors':[{'name':'id','value':{'type':'String','value':'" + Id + @"'}}],
            'attributes':[
              {'name':'displayName','modification':'Add','values':[{'modification':'Add','value':{'type':'String','value':'Ann Example'}}]},
              {'name':'accountEnabled','modification':'Add','values':[{'modification':'Add','value':{'type':'Boolean','value':true}}]},
              {'name':'employeeNumber','modification':'Add','values':[{'modification':'Add','value':{'type':'Integer','value':'-9223372036854775808'}}]},
              {'name':'quota','modification':'Add','values':[{'modification':'Add','value':{'type':'Integer','value':'9223372036854775807'}}]},
              {'name':'manager','modification':'Add','values':[{'modification':'Add','value':{'type':'Reference','value':'7a1b2c3d-0000-0000-0000-000000000002'}}]},
              {'name':'thumbnailPhoto','modification':'Add','values':[{'modification':'Add','value':{'type':'Binary','value':'AAEC/w=='}}]},
              {'name':'proxyAddresses','modification':'Add','values':[
                  {'modification':'Add','value':{'type':'String','value':'SMTP:ann@contoso.com'}},
                  {'modification':'Add','value':{'type':'String','value':'smtp:ann@contoso.onmicrosoft.com'}}]},
              {'name':'otherMails','modification':'Add','values':[]}
            ]}";

        private static CSEntryChange Convert(string json) => ImportConversion.EntryFromJson(J.V(json), 0);

        [Fact]
        public void AFullImportAddCarriesTypedValues()
        {
            var cs = Convert(FullUser);
            Assert.Equal(ObjectModificationType.Add, cs.ObjectModificationType);
            Assert.Equal("user", cs.ObjectType);
            Assert.Equal(Id, cs.DN);
            Assert.Equal(MAImportError.Success, cs.ErrorCodeImport);
            var anchor = Assert.Single(cs.AnchorAttributes);
            Assert.Equal("id", anchor.Name);
            Assert.Equal(Id, Assert.IsType<string>(anchor.Value));

            Assert.Equal(8, cs.AttributeChanges.Count);
            foreach (var ac in cs.AttributeChanges) Assert.Equal(AttributeModificationType.Add, ac.ModificationType);
            Assert.Equal("Ann Example", Assert.IsType<string>(Single(cs, "displayName")));
            Assert.True(Assert.IsType<bool>(Single(cs, "accountEnabled")));
            Assert.Equal(long.MinValue, Assert.IsType<long>(Single(cs, "employeeNumber")));
            Assert.Equal(long.MaxValue, Assert.IsType<long>(Single(cs, "quota")));
            Assert.Equal("7a1b2c3d-0000-0000-0000-000000000002", Assert.IsType<string>(Single(cs, "manager")));
            Assert.Equal(new byte[] { 0, 1, 2, 255 }, Assert.IsType<byte[]>(Single(cs, "thumbnailPhoto")));
            var proxies = cs.AttributeChanges["proxyAddresses"].ValueChanges;
            Assert.Equal(2, proxies.Count);
            Assert.All(proxies, v => Assert.Equal(ValueModificationType.Add, v.ModificationType));
            Assert.Equal(new object[] { "SMTP:ann@contoso.com", "smtp:ann@contoso.onmicrosoft.com" }, proxies.Select(v => v.Value).ToArray());
            Assert.Empty(cs.AttributeChanges["otherMails"].ValueChanges);
        }

        private static object Single(CSEntryChange cs, string name)
        {
            var vc = Assert.Single(cs.AttributeChanges[name].ValueChanges);
            Assert.Equal(ValueModificationType.Add, vc.ModificationType);
            return vc.Value;
        }

        [Fact]
        public void ADeltaUpdateCarriesEveryAttributeModification()
        {
            var cs = Convert(@"{'identifier':'00000000-0000-0000-0000-000000000001','objectType':'group','modification':'Update','dn':'g1',
                'anchors':[{'name':'id','value':{'type':'String','value':'g1'}}],
                'attributes':[
                  {'name':'members','modification':'Update','values':[
                     {'modification':'Add','value':{'type':'Reference','value':'u1'}},
                     {'modification':'Delete','value':{'type':'Reference','value':'u2'}}]},
                  {'name':'displayName','modification':'Replace','values':[{'modification':'Add','value':{'type':'String','value':'Team'}}]},
                  {'name':'groupTypes','modification':'Replace','values':[
                     {'modification':'Add','value':{'type':'String','value':'Unified'}},
                     {'modification':'Add','value':{'type':'String','value':'DynamicMembership'}}]},
                  {'name':'description','modification':'Delete','values':[]},
                  {'name':'mail','modification':'Add','values':[{'modification':'Add','value':{'type':'String','value':'team@contoso.com'}}]}
                ]}");
            Assert.Equal(ObjectModificationType.Update, cs.ObjectModificationType);
            var members = cs.AttributeChanges["members"];
            Assert.Equal(AttributeModificationType.Update, members.ModificationType);
            Assert.Equal(ValueModificationType.Add, members.ValueChanges[0].ModificationType);
            Assert.Equal("u1", members.ValueChanges[0].Value);
            Assert.Equal(ValueModificationType.Delete, members.ValueChanges[1].ModificationType);
            Assert.Equal("u2", members.ValueChanges[1].Value);
            Assert.Equal(AttributeModificationType.Replace, cs.AttributeChanges["displayName"].ModificationType);
            Assert.Equal(2, cs.AttributeChanges["groupTypes"].ValueChanges.Count);
            Assert.Equal(AttributeModificationType.Replace, cs.AttributeChanges["groupTypes"].ModificationType);
            Assert.Equal(AttributeModificationType.Delete, cs.AttributeChanges["description"].ModificationType);
            Assert.Empty(cs.AttributeChanges["description"].ValueChanges);
            Assert.Equal(AttributeModificationType.Add, cs.AttributeChanges["mail"].ModificationType);
        }

        [Fact]
        public void ReplaceAndDeleteObjects()
        {
            var replace = Convert("{'identifier':'00000000-0000-0000-0000-000000000001','objectType':'user','modification':'Replace','dn':'u1','anchors':[{'name':'id','value':{'type':'String','value':'u1'}}],"
                + "'attributes':[{'name':'displayName','modification':'Add','values':[{'modification':'Add','value':{'type':'String','value':'x'}}]}]}");
            Assert.Equal(ObjectModificationType.Replace, replace.ObjectModificationType);
            var delete = Convert("{'identifier':'00000000-0000-0000-0000-000000000001','objectType':'user','modification':'Delete','dn':'u1','anchors':[{'name':'id','value':{'type':'String','value':'u1'}}],'attributes':[]}");
            Assert.Equal(ObjectModificationType.Delete, delete.ObjectModificationType);
            Assert.Empty(delete.AttributeChanges);
            Assert.Equal("u1", delete.AnchorAttributes["id"].Value);
        }

        [Fact]
        public void PerObjectErrorsAreCarried()
        {
            var cs = Convert("{'identifier':'00000000-0000-0000-0000-000000000001','objectType':'user','modification':'Add','dn':'u1','anchors':[],'attributes':[],"
                + "'errorCodeImport':'ImportErrorCustomContinueRun','errorName':'InvalidValue','errorDetail':'mail is not an address'}");
            Assert.Equal(MAImportError.ImportErrorCustomContinueRun, cs.ErrorCodeImport);
            Assert.Equal("InvalidValue", cs.ErrorName);
            Assert.Equal("mail is not an address", cs.ErrorDetail);
        }

        [Fact]
        public void APageKeepsOrderAndNeverIsNull()
        {
            Assert.NotNull(ImportConversion.EntriesFromJson(null));
            Assert.Empty(ImportConversion.EntriesFromJson(new List<object?>()));
            var page = ImportConversion.EntriesFromJson(J.A("[" + FullUser + "," + FullUser.Replace("'Add','dn'", "'Replace','dn'") + "]"));
            Assert.Equal(2, page.Count);
            Assert.Equal(ObjectModificationType.Add, page[0].ObjectModificationType);
            Assert.Equal(ObjectModificationType.Replace, page[1].ObjectModificationType);
            Assert.NotEqual(page[0].Identifier, page[1].Identifier);
        }

        private const string Head = "{'identifier':'00000000-0000-0000-0000-000000000001','objectType':'user','modification':'Add','dn':'u1','anchors':[{'name':'id','value':{'type':'String','value':'u1'}}],'attributes':[";

        [Theory]
        [InlineData("{'name':'n','modification':'Add','values':[{'modification':'Add','value':{'type':'Integer','value':'12x'}}]}", "attributes[0].values[0].value.value", "decimal Int64")]
        [InlineData("{'name':'n','modification':'Add','values':[{'modification':'Add','value':{'type':'Integer','value':'9223372036854775808'}}]}", "attributes[0].values[0].value.value", "decimal Int64")]
        [InlineData("{'name':'n','modification':'Add','values':[{'modification':'Add','value':{'type':'Integer','value':'007'}}]}", "attributes[0].values[0].value.value", "decimal Int64")]
        [InlineData("{'name':'n','modification':'Add','values':[{'modification':'Add','value':{'type':'Integer','value':7}}]}", "attributes[0].values[0].value.value", "not a number")]
        [InlineData("{'name':'n','modification':'Add','values':[{'modification':'Add','value':{'type':'Binary','value':'**'}}]}", "attributes[0].values[0].value.value", "base64")]
        [InlineData("{'name':'n','modification':'Add','values':[{'modification':'Add','value':{'type':'Boolean','value':'true'}}]}", "attributes[0].values[0].value.value", "true or false")]
        [InlineData("{'name':'n','modification':'Add','values':[{'modification':'Add','value':{'type':'Reference','value':''}}]}", "attributes[0].values[0].value.value", "must not be empty")]
        [InlineData("{'name':'n','modification':'Add','values':[{'modification':'Add','value':{'type':'String'}}]}", "attributes[0].values[0].value.value", "is missing")]
        [InlineData("{'name':'n','modification':'Add','values':[{'modification':'Add','value':{'type':'Date','value':'x'}}]}", "attributes[0].values[0].value.type", "must be one of")]
        [InlineData("{'name':'n','modification':'Add','values':[{'modification':'Add'}]}", "attributes[0].values[0].value", "must be an object, not null")]
        [InlineData("{'name':'n','modification':'Add','values':[{'modification':'Delete','value':{'type':'String','value':'x'}}]}", "attributes[0].values[0].modification", "must be Add")]
        [InlineData("{'name':'n','modification':'Update','values':[{'modification':'Remove','value':{'type':'String','value':'x'}}]}", "attributes[0].values[0].modification", "must be one of")]
        [InlineData("{'name':'n','modification':'Update','values':[{'modification':'Add','value':null}]}", "attributes[0].values[0].value", "must be an object, not null")]
        [InlineData("{'name':'n','modification':'Delete','values':[{'modification':'Add','value':{'type':'String','value':'x'}}]}", "attributes[0].values", "must be empty")]
        [InlineData("{'name':'n','modification':'Upsert','values':[]}", "attributes[0].modification", "must be one of")]
        [InlineData("{'modification':'Add','values':[]}", "attributes[0].name", "is missing")]
        [InlineData("{'name':'','modification':'Add','values':[]}", "attributes[0].name", "must not be empty")]
        [InlineData("{'name':'n','modification':'Add','values':{}}", "attributes[0].values", "must be an array")]
        [InlineData("'n'", "attributes[0]", "must be an object, not a string")]
        public void BadAttributesAreUnexpectedDataNamingEntryAndField(string attribute, string field, string problem)
        {
            var e = J.UnexpectedData(() => ImportConversion.EntryFromJson(J.V(Head + "{'name':'ok','modification':'Add','values':[]}," + attribute + "]}"), 7));
            var expected = field.Replace("attributes[0]", "attributes[1]");
            Assert.Contains("the field \"" + expected + "\"", e.Message);
            Assert.Contains(problem, e.Message);
            Assert.Contains("getImportPage entry 7 (user, dn \"u1\")", e.Message);
        }

        [Theory]
        [InlineData("{'objectType':'user','modification':'Add','anchors':[],'attributes':[]}", null, null)]
        [InlineData("{'objectType':'user','modification':'None','anchors':[],'attributes':[]}", "modification", "must be one of")]
        [InlineData("{'objectType':'user','modification':'add','anchors':[],'attributes':[]}", "modification", "must be one of")]
        [InlineData("{'objectType':'user','anchors':[],'attributes':[]}", "modification", "is missing")]
        [InlineData("{'objectType':'','modification':'Add','anchors':[],'attributes':[]}", "objectType", "must not be empty")]
        [InlineData("{'objectType':7,'modification':'Add','anchors':[],'attributes':[]}", "objectType", "must be a string, not a number")]
        [InlineData("{'objectType':'user','modification':'Add','dn':false,'anchors':[],'attributes':[]}", "dn", "must be a string")]
        [InlineData("{'objectType':'user','modification':'Add','anchors':[{'name':'id'}],'attributes':[]}", "anchors[0].value", "must be an object, not null")]
        [InlineData("{'objectType':'user','modification':'Add','anchors':[{'name':'id','value':{'type':'Binary','value':'%'}}],'attributes':[]}", "anchors[0].value.value", "base64")]
        [InlineData("{'objectType':'user','modification':'Add','anchors':[{'value':{'type':'String','value':'x'}}],'attributes':[]}", "anchors[0].name", "is missing")]
        [InlineData("{'objectType':'user','modification':'Add','anchors':[{'name':'id','value':{'type':'String','value':'a'}},{'name':'id','value':{'type':'String','value':'b'}}],'attributes':[]}", "anchors[1].name", "repeats")]
        [InlineData("{'objectType':'user','modification':'Update','anchors':[],'attributes':[{'name':'a','modification':'Delete','values':[]},{'name':'a','modification':'Delete','values':[]}]}", "attributes[1].name", "repeats")]
        [InlineData("{'objectType':'user','modification':'Add','anchors':[],'attributes':[],'errorCodeImport':'Oops'}", "errorCodeImport", "MAImportError")]
        [InlineData("{'objectType':'user','modification':'Add','anchors':[],'attributes':[],'errorName':5}", "errorName", "must be a string")]
        public void BadEntriesAreUnexpectedDataNamingTheField(string entry, string? field, string? problem)
        {
            if (field == null)
            {
                Assert.NotNull(Convert(entry)); // the minimal valid entry
                return;
            }
            var e = J.UnexpectedData(() => Convert(entry));
            Assert.Contains("the field \"" + field + "\" ", e.Message);
            Assert.Contains(problem!, e.Message);
            Assert.Contains("getImportPage entry 0", e.Message);
        }

        [Fact]
        public void MimsObjectModelRulesBecomeUnexpectedData()
        {
            // A Delete may carry no attribute changes; an Add only attribute Adds.
            var e = J.UnexpectedData(() => Convert("{'objectType':'user','modification':'Delete','dn':'u9','anchors':[],'attributes':[{'name':'a','modification':'Delete','values':[]}]}"));
            Assert.Contains("getImportPage entry 0 (user, dn \"u9\")", e.Message);
            Assert.Contains("MIM's object model refused it", e.Message);
            J.UnexpectedData(() => Convert("{'objectType':'user','modification':'Add','anchors':[],'attributes':[{'name':'a','modification':'Replace','values':[]}]}"));
        }

        [Theory]
        [InlineData("null")]
        [InlineData("42")]
        [InlineData("[]")]
        [InlineData("'user'")]
        public void AnEntryThatIsNotAnObjectIsUnexpectedData(string json)
        {
            var e = J.UnexpectedData(() => ImportConversion.EntryFromJson(J.V(json), 3));
            Assert.Contains("getImportPage entry 3", e.Message);
            Assert.Contains("must be an object", e.Message);
        }

        /// <summary>Every mutation of a valid entry either converts or fails with UnexpectedData — never a NullReferenceException.</summary>
        [Fact]
        public void MutatedEntriesNeverFailWithAnythingButUnexpectedData()
        {
            var replacements = new object?[] { null, 0L, -1L, 1.5, "", "x", true, false, new JsonObject(), new List<object?>(), new List<object?> { null }, "Add", "Delete", "Reference", "Integer" };
            var rng = new Random(1234);
            int converted = 0, refused = 0;
            var paths = new List<Action<object?>>();
            var baseline = J.O(FullUser);
            Collect(baseline, paths, v => { });
            for (int round = 0; round < 3; round++)
            {
                for (int p = 0; p < paths.Count; p++)
                {
                    foreach (var r in replacements)
                    {
                        var entry = J.O(FullUser);
                        var setters = new List<Action<object?>>();
                        Collect(entry, setters, v => { });
                        setters[p](r is JsonObject ? new JsonObject() : r is List<object?> l ? new List<object?>(l) : r);
                        if (round > 0) setters[rng.Next(setters.Count)](replacements[rng.Next(replacements.Length)]);
                        try
                        {
                            ImportConversion.EntryFromJson(entry, 0);
                            converted++;
                        }
                        catch (ConnectorCallException e)
                        {
                            Assert.Equal("UnexpectedData", e.MimError);
                            Assert.StartsWith("the connector sent an unexpected getImportPage entry 0", e.Message);
                            refused++;
                        }
                    }
                }
            }
            Assert.True(refused > 100);
            Assert.True(converted > 0);
        }

        /// <summary>A setter for every node of the tree (object members and array items).</summary>
        private static void Collect(object? node, List<Action<object?>> setters, Action<object?> set)
        {
            setters.Add(set);
            if (node is JsonObject o)
            {
                foreach (var key in o.Keys.ToList())
                {
                    var k = key;
                    Collect(o[k], setters, v => o[k] = v);
                }
            }
            else if (node is List<object?> a)
            {
                for (int i = 0; i < a.Count; i++)
                {
                    var idx = i;
                    Collect(a[idx], setters, v => a[idx] = v);
                }
            }
        }

        [Theory]
        [InlineData("0", 0L)]
        [InlineData("-0", 0L)]
        [InlineData("42", 42L)]
        [InlineData("-42", -42L)]
        [InlineData("9223372036854775807", long.MaxValue)]
        [InlineData("-9223372036854775808", long.MinValue)]
        public void Int64sParseExactly(string text, long expected)
        {
            Assert.True(TypedValues.TryParseInt64(text, out var v));
            Assert.Equal(expected, v);
        }

        [Theory]
        [InlineData("")]
        [InlineData("-")]
        [InlineData("+1")]
        [InlineData("01")]
        [InlineData(" 1")]
        [InlineData("1.0")]
        [InlineData("1e3")]
        [InlineData("9223372036854775808")]
        [InlineData("-9223372036854775809")]
        [InlineData("99999999999999999999")]
        public void NonInt64sAreRefused(string text) => Assert.False(TypedValues.TryParseInt64(text, out _));
    }
}
