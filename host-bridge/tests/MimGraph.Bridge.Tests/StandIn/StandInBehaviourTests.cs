#nullable disable
// Written against the stand-in, which predates nullable reference types (Nullable is disabled there too).

using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Linq;
using System.Reflection;
using System.Security;
using System.Xml.Serialization;
using Microsoft.MetadirectoryServices;
using Microsoft.MetadirectoryServices.DetachedObjectModel;
using Xunit;

namespace MimGraph.Bridge.Tests.StandIn
{
    /// <summary>The managed-side behaviour ecma2-api.md (§4–§13) documents for the real assembly.</summary>
    public class StandInBehaviourTests
    {
        // ---- §4 MACapabilities ----

        [Fact]
        public void MACapabilitiesDefaultsAreTheDocumentedOnes()
        {
            MACapabilities c = new MACapabilities();
            Assert.Equal(MADistinguishedNameStyle.Generic, c.DistinguishedNameStyle);
            Assert.True(c.ObjectRename);
            Assert.False(c.NoReferenceValuesInFirstExport);
            Assert.True(c.DeltaImport);
            Assert.True(c.ConcurrentOperation);
            Assert.True(c.DeleteAddAsReplace);
            Assert.False(c.ExportPasswordInFirstPass);
            Assert.False(c.FullExport);
            Assert.Equal(MAObjectConfirmation.Normal, c.ObjectConfirmation);
            Assert.Equal(MAExportType.ObjectReplace, c.ExportType);
            Assert.Equal(MANormalizations.None, c.Normalizations);
            Assert.False(c.IsDNAsAnchor);
            Assert.True(c.SupportImport);
            Assert.True(c.SupportExport);
            Assert.True(c.SupportPartitions);
            Assert.True(c.SupportPassword);
            Assert.True(c.SupportHierarchy);
        }

        [Fact]
        public void DistinguishedNameStyleNoneForcesObjectRenameOff()
        {
            MACapabilities c = new MACapabilities { DistinguishedNameStyle = MADistinguishedNameStyle.None };
            Assert.False(c.ObjectRename);
            Assert.Equal(MADistinguishedNameStyle.None, c.DistinguishedNameStyle);

            c.ObjectRename = true;
            c.DistinguishedNameStyle = MADistinguishedNameStyle.Ldap;
            Assert.True(c.ObjectRename);
            c.ObjectRename = false;
            c.DistinguishedNameStyle = MADistinguishedNameStyle.Generic;
            Assert.False(c.ObjectRename);
        }

        [Fact]
        public void EveryCapabilityIsSettable()
        {
            MACapabilities c = new MACapabilities
            {
                NoReferenceValuesInFirstExport = true,
                DeltaImport = false,
                ConcurrentOperation = false,
                DeleteAddAsReplace = false,
                ExportPasswordInFirstPass = true,
                FullExport = true,
                ObjectConfirmation = MAObjectConfirmation.NoAddAndDeleteConfirmation,
                ExportType = MAExportType.MultivaluedReferenceAttributeUpdate,
                Normalizations = MANormalizations.Uppercase | MANormalizations.RemoveAccents,
                IsDNAsAnchor = true,
                SupportImport = false,
                SupportExport = false,
                SupportPartitions = false,
                SupportPassword = false,
                SupportHierarchy = false,
            };
            Assert.True(c.NoReferenceValuesInFirstExport && !c.DeltaImport && !c.ConcurrentOperation && !c.DeleteAddAsReplace);
            Assert.True(c.ExportPasswordInFirstPass && c.FullExport && c.IsDNAsAnchor);
            Assert.False(c.SupportImport || c.SupportExport || c.SupportPartitions || c.SupportPassword || c.SupportHierarchy);
            Assert.Equal(3, (int)c.ObjectConfirmation);
            Assert.Equal(5, (int)c.ExportType);
            Assert.Equal(3, (int)c.Normalizations);
            Assert.Equal("Uppercase, RemoveAccents", c.Normalizations.ToString());
        }

        // ---- §5 configuration parameters ----

        public static TheoryData<string, ConfigParameterDefinition, ConfigParameterType, string, string, string, string, bool> Definitions()
        {
            return new TheoryData<string, ConfigParameterDefinition, ConfigParameterType, string, string, string, string, bool>
            {
                { "String/2", ConfigParameterDefinition.CreateStringParameter("n", "^x$"), ConfigParameterType.String, "n", "", "^x$", "", false },
                { "String/3", ConfigParameterDefinition.CreateStringParameter("n", "^x$", "d"), ConfigParameterType.String, "n", "", "^x$", "d", false },
                { "Encrypted/2", ConfigParameterDefinition.CreateEncryptedStringParameter("p", "v"), ConfigParameterType.EncryptedString, "p", "", "v", "", false },
                { "Encrypted/3", ConfigParameterDefinition.CreateEncryptedStringParameter("p", "v", "d"), ConfigParameterType.EncryptedString, "p", "", "v", "d", false },
                { "Label", ConfigParameterDefinition.CreateLabelParameter("Some text"), ConfigParameterType.Label, "", "Some text", "", "", false },
                { "Text/1", ConfigParameterDefinition.CreateTextParameter("t"), ConfigParameterType.Text, "t", "", "", "", false },
                { "Text/2", ConfigParameterDefinition.CreateTextParameter("t", "d"), ConfigParameterType.Text, "t", "", "", "d", false },
                { "DropDown string/3", ConfigParameterDefinition.CreateDropDownParameter("dd", "a,b", true), ConfigParameterType.DropDown, "dd", "", "a,b", "", true },
                { "DropDown string/4", ConfigParameterDefinition.CreateDropDownParameter("dd", "a,b", false, "b"), ConfigParameterType.DropDown, "dd", "", "a,b", "b", false },
                { "DropDown array/3", ConfigParameterDefinition.CreateDropDownParameter("dd", new[] { "a", "b,c" }, true), ConfigParameterType.DropDown, "dd", "", "a,b\\,c,", "", true },
                { "DropDown array/4", ConfigParameterDefinition.CreateDropDownParameter("dd", new[] { "x" }, false, "x"), ConfigParameterType.DropDown, "dd", "", "x,", "x", false },
                { "CheckBox/1", ConfigParameterDefinition.CreateCheckBoxParameter("c"), ConfigParameterType.CheckBox, "c", "", "", "", false },
                { "CheckBox/true", ConfigParameterDefinition.CreateCheckBoxParameter("c", true), ConfigParameterType.CheckBox, "c", "", "", "1", false },
                { "CheckBox/false", ConfigParameterDefinition.CreateCheckBoxParameter("c", false), ConfigParameterType.CheckBox, "c", "", "", "0", false },
                { "Divider", ConfigParameterDefinition.CreateDividerParameter(), ConfigParameterType.Divider, "", "", "", "", false },
                { "File/1", ConfigParameterDefinition.CreateFileParameter("f"), ConfigParameterType.File, "f", "", "", "", false },
                { "File/2", ConfigParameterDefinition.CreateFileParameter("f", "d"), ConfigParameterType.File, "f", "", "", "d", false },
                { "new()", new ConfigParameterDefinition(), ConfigParameterType.String, "", "", "", "", false },
            };
        }

        [Theory]
        [MemberData(nameof(Definitions))]
        public void ConfigParameterDefinitionFactoriesStoreTheDocumentedFields(string factory, ConfigParameterDefinition d, ConfigParameterType type, string name, string text, string validation, string defaultValue, bool extensible)
        {
            Assert.False(string.IsNullOrEmpty(factory));
            Assert.Equal(type, d.Type);
            Assert.Equal(name, d.Name);
            Assert.Equal(text, d.Text);
            Assert.Equal(validation, d.Validation);
            Assert.Equal(defaultValue, d.DefaultValue);
            Assert.Equal(extensible, d.DropDownExtensible);
            Assert.Equal(defaultValue == "1", d.CheckBoxDefault);
        }

        [Fact]
        public void DropDownJoiningEscapesCommasAndEndsWithAComma()
        {
            Assert.Equal("a,b\\,c,", ConfigParameterDefinition.CreateDropDownParameter("n", new[] { "a", "b,c" }, false).Validation);
            Assert.Equal(string.Empty, ConfigParameterDefinition.CreateDropDownParameter("n", new string[0], false).Validation);
            Assert.Equal("Windows PowerShell 5.1,PowerShell 7", ConfigParameterDefinition.CreateDropDownParameter("n", "Windows PowerShell 5.1,PowerShell 7", false).Validation);
            ArgumentNullException e = Assert.Throws<ArgumentNullException>(() => ConfigParameterDefinition.CreateDropDownParameter("n", (string[])null, false));
            Assert.Equal("values", e.ParamName);
            Assert.Throws<ArgumentNullException>(() => ConfigParameterDefinition.CreateDropDownParameter("n", (string[])null, true, "d"));
            Assert.Null(ConfigParameterDefinition.CreateStringParameter(null, null).Name);
        }

        [Fact]
        public void PlainConfigParameterRefusesSecureValue()
        {
            ConfigParameter p = new ConfigParameter("TenantId", "contoso");
            Assert.Equal("TenantId", p.Name);
            Assert.Equal("contoso", p.Value);
            Assert.False(p.IsEncrypted);
            InvalidOperationException e = Assert.Throws<InvalidOperationException>(() => p.SecureValue);
            Assert.Equal("Unencrypted parameter should be retrieved using the Value property.", e.Message);
        }

        [Fact]
        public void Ecma1EncryptedConfigParameterIsReadThroughValue()
        {
            ConfigParameter p = new ConfigParameter("Secret", "s3cret", true);
            Assert.True(p.IsEncrypted);
            Assert.Equal("s3cret", p.Value);
            InvalidOperationException e = Assert.Throws<InvalidOperationException>(() => p.SecureValue);
            Assert.Equal("Extensible Connectivity MA 1 encrypted parameter should be retrieved using the Value property.", e.Message);
            Assert.False(new ConfigParameter("x", "y", false).IsEncrypted);
        }

        [Fact]
        public void SecureStringConfigParameterRefusesValue()
        {
            using SecureString secret = new SecureString();
            secret.AppendChar('x');
            ConfigParameter p = new ConfigParameter("Secret", secret);
            Assert.True(p.IsEncrypted);
            Assert.Same(secret, p.SecureValue);
            InvalidOperationException e = Assert.Throws<InvalidOperationException>(() => p.Value);
            Assert.Equal("Encrypted parameter should be retrieved using the SecureValue property.", e.Message);
        }

        [Fact]
        public void EmptyConfigParameterHasNothing()
        {
            ConfigParameter p = new ConfigParameter();
            Assert.Null(p.Name);
            Assert.Null(p.Value);
            Assert.False(p.IsEncrypted);
            Assert.Throws<InvalidOperationException>(() => p.SecureValue);
        }

        [Fact]
        public void ConfigParameterKeyedCollectionIsKeyedByNameCaseSensitively()
        {
            ConfigParameterKeyedCollection c = new ConfigParameterKeyedCollection { new ConfigParameter("Name", "1"), new ConfigParameter("name", "2") };
            Assert.Equal("1", c["Name"].Value);
            Assert.Equal("2", c["name"].Value);
            Assert.False(c.Contains("NAME"));
            Assert.Throws<ArgumentException>(() => c.Add(new ConfigParameter("Name", "3")));
            Assert.IsAssignableFrom<KeyedCollection<string, ConfigParameter>>(c);
        }

        [Fact]
        public void ParameterValidationResultDefaultsToSuccess()
        {
            ParameterValidationResult ok = new ParameterValidationResult();
            Assert.Equal(ParameterValidationResultCode.Success, ok.Code);
            Assert.Null(ok.ErrorMessage);
            Assert.Null(ok.ErrorParameter);
            ParameterValidationResult bad = new ParameterValidationResult(ParameterValidationResultCode.Failure, "Bad tenant", "TenantId");
            Assert.Equal(ParameterValidationResultCode.Failure, bad.Code);
            Assert.Equal("Bad tenant", bad.ErrorMessage);
            Assert.Equal("TenantId", bad.ErrorParameter);
            bad.Code = ParameterValidationResultCode.Success;
            bad.ErrorMessage = null;
            bad.ErrorParameter = "x";
            Assert.Equal(ParameterValidationResultCode.Success, bad.Code);
            Assert.Null(bad.ErrorMessage);
            Assert.Equal("x", bad.ErrorParameter);
        }

        // ---- §6 schema ----

        [Fact]
        public void SchemaStartsEmpty()
        {
            foreach (Schema s in new[] { new Schema(), Schema.Create(), new Schema(null, null) })
            {
                Assert.Empty(s.Types);
                Assert.Null(s.ChangeType);
                Assert.Null(s.ObjectTypeAttributeName);
                Assert.IsType<SchemaTypeKeyedCollection>(s.Types);
                Assert.True(s.Validate());
            }

            Assert.Equal("objectClass", new Schema(null, "objectClass").ObjectTypeAttributeName);
        }

        [Fact]
        public void SchemaAttributeFactoriesSetTheFlags()
        {
            SchemaAttribute single = SchemaAttribute.CreateSingleValuedAttribute("displayName", AttributeType.String);
            Assert.Equal(("displayName", AttributeType.String, false, false, AttributeOperation.ImportExport, false), (single.Name, single.DataType, single.IsMultiValued, single.IsAnchor, single.AllowedAttributeOperation, single.HiddenByDefault));
            SchemaAttribute singleOp = SchemaAttribute.CreateSingleValuedAttribute("x", AttributeType.Boolean, AttributeOperation.ImportOnly);
            Assert.Equal((false, false, AttributeOperation.ImportOnly, AttributeType.Boolean), (singleOp.IsMultiValued, singleOp.IsAnchor, singleOp.AllowedAttributeOperation, singleOp.DataType));
            SchemaAttribute multi = SchemaAttribute.CreateMultiValuedAttribute("member", AttributeType.Reference);
            Assert.Equal((true, false, AttributeOperation.ImportExport), (multi.IsMultiValued, multi.IsAnchor, multi.AllowedAttributeOperation));
            SchemaAttribute multiOp = SchemaAttribute.CreateMultiValuedAttribute("proxy", AttributeType.String, AttributeOperation.ExportOnly);
            Assert.Equal((true, AttributeOperation.ExportOnly), (multiOp.IsMultiValued, multiOp.AllowedAttributeOperation));
            SchemaAttribute anchor = SchemaAttribute.CreateAnchorAttribute("id", AttributeType.String);
            Assert.Equal((false, true, AttributeOperation.ImportExport), (anchor.IsMultiValued, anchor.IsAnchor, anchor.AllowedAttributeOperation));
            SchemaAttribute binaryAnchor = SchemaAttribute.CreateAnchorAttribute("guid", AttributeType.Binary, AttributeOperation.ImportOnly);
            Assert.Equal((true, AttributeType.Binary, AttributeOperation.ImportOnly), (binaryAnchor.IsAnchor, binaryAnchor.DataType, binaryAnchor.AllowedAttributeOperation));
            Assert.True(SchemaAttribute.CreateAnchorAttribute("n", AttributeType.Integer).IsAnchor);
            single.HiddenByDefault = true;
            Assert.True(single.HiddenByDefault);
        }

        [Fact]
        public void MultiValuedBooleanAttributesAreRefused()
        {
            NotSupportedException e = Assert.Throws<NotSupportedException>(() => SchemaAttribute.CreateMultiValuedAttribute("flags", AttributeType.Boolean));
            Assert.Equal("The specified multivalued attribute flags cannot be of type boolean.", e.Message);
            e = Assert.Throws<NotSupportedException>(() => SchemaAttribute.CreateMultiValuedAttribute("flags", AttributeType.Boolean, AttributeOperation.ImportOnly));
            Assert.Equal("The specified multivalued attribute flags cannot be of type boolean.", e.Message);
        }

        [Theory]
        [InlineData(AttributeType.Boolean)]
        [InlineData(AttributeType.Reference)]
        public void BooleanAndReferenceAnchorsAreRefused(AttributeType type)
        {
            NotSupportedException e = Assert.Throws<NotSupportedException>(() => SchemaAttribute.CreateAnchorAttribute("id", type));
            Assert.Equal("The specified anchor attribute id cannot be of type boolean or reference.", e.Message);
            e = Assert.Throws<NotSupportedException>(() => SchemaAttribute.CreateAnchorAttribute("id", type, AttributeOperation.ImportExport));
            Assert.Equal("The specified anchor attribute id cannot be of type boolean or reference.", e.Message);
        }

        [Fact]
        public void SchemaAttributeEqualityIgnoresAnchorAndHidden()
        {
            SchemaAttribute plain = SchemaAttribute.CreateSingleValuedAttribute("id", AttributeType.String);
            SchemaAttribute anchor = SchemaAttribute.CreateAnchorAttribute("id", AttributeType.String);
            anchor.HiddenByDefault = true;
            Assert.True(plain.Equals(anchor));
            Assert.Equal(plain.GetHashCode(), anchor.GetHashCode());
            Assert.False(plain.Equals(SchemaAttribute.CreateSingleValuedAttribute("ID", AttributeType.String)));
            Assert.False(plain.Equals(SchemaAttribute.CreateSingleValuedAttribute("id", AttributeType.Integer)));
            Assert.False(plain.Equals(SchemaAttribute.CreateMultiValuedAttribute("id", AttributeType.String)));
            Assert.False(plain.Equals(SchemaAttribute.CreateSingleValuedAttribute("id", AttributeType.String, AttributeOperation.ExportOnly)));
            Assert.False(plain.Equals(null));
            Assert.False(plain.Equals("id"));
        }

        [Fact]
        public void SchemaTypeHoldsAttributesAndComputesAnchors()
        {
            SchemaType user = SchemaType.Create("user", true);
            Assert.Equal("user", user.Name);
            Assert.True(user.Locked);
            Assert.False(SchemaType.Create("group", false).Locked);
            Assert.IsType<SchemaAttributeKeyedCollection>(user.Attributes);
            user.Attributes.Add(SchemaAttribute.CreateAnchorAttribute("id", AttributeType.String));
            user.Attributes.Add(SchemaAttribute.CreateSingleValuedAttribute("displayName", AttributeType.String));
            Assert.Throws<ArgumentException>(() => user.Attributes.Add(SchemaAttribute.CreateSingleValuedAttribute("id", AttributeType.String)));

            KeyedCollection<string, SchemaAttribute> anchors = user.AnchorAttributes;
            Assert.IsType<ReadOnlySchemaAttributeKeyedCollection>(anchors);
            Assert.Equal(new[] { "id" }, anchors.Select(a => a.Name));
            Assert.NotSame(anchors, user.AnchorAttributes);
            Assert.Throws<NotSupportedException>(() => anchors.Add(SchemaAttribute.CreateAnchorAttribute("x", AttributeType.String)));
            Assert.Throws<NotSupportedException>(() => anchors.Remove("id"));
            Assert.Throws<NotSupportedException>(() => anchors.Clear());

            Assert.IsType<List<string>>(user.PossibleDNComponentsForProvisioning);
            user.PossibleDNComponentsForProvisioning.Add("displayName");
            Assert.Equal(new[] { "displayName" }, user.PossibleDNComponentsForProvisioning);
        }

        [Fact]
        public void SetReadOnlyFreezesTypesAndAttributes()
        {
            Schema schema = Schema.Create();
            SchemaType user = SchemaType.Create("user", true);
            user.Attributes.Add(SchemaAttribute.CreateAnchorAttribute("id", AttributeType.String));
            schema.Types.Add(user);
            KeyedCollection<string, SchemaType> before = schema.Types;
            schema.SetReadOnly();

            Assert.NotSame(before, schema.Types);
            Assert.IsType<ReadOnlySchemaTypeKeyedCollection>(schema.Types);
            Assert.Same(user, schema.Types["user"]);
            Assert.Throws<NotSupportedException>(() => schema.Types.Add(SchemaType.Create("group", true)));
            Assert.Throws<NotSupportedException>(() => schema.Types.Insert(0, SchemaType.Create("group", true)));
            Assert.Throws<NotSupportedException>(() => schema.Types.Remove("user"));
            Assert.Throws<NotSupportedException>(() => schema.Types.RemoveAt(0));
            Assert.Throws<NotSupportedException>(() => schema.Types.Clear());
            Assert.Throws<NotSupportedException>(() => ((Collection<SchemaType>)schema.Types)[0] = SchemaType.Create("group", true));

            Assert.IsType<ReadOnlySchemaAttributeKeyedCollection>(user.Attributes);
            Assert.Equal("id", user.Attributes["id"].Name);
            Assert.Throws<NotSupportedException>(() => user.Attributes.Add(SchemaAttribute.CreateSingleValuedAttribute("x", AttributeType.String)));
            Assert.Throws<NotSupportedException>(() => user.Attributes.Clear());
            Assert.True(schema.Validate());
        }

        [Fact]
        public void ValidateRejectsConflictingDefinitionsAndLockedTypesWithoutAnchor()
        {
            Schema ok = Schema.Create();
            SchemaType user = SchemaType.Create("user", true);
            user.Attributes.Add(SchemaAttribute.CreateAnchorAttribute("id", AttributeType.String));
            user.Attributes.Add(SchemaAttribute.CreateSingleValuedAttribute("mail", AttributeType.String));
            SchemaType group = SchemaType.Create("group", true);
            group.Attributes.Add(SchemaAttribute.CreateSingleValuedAttribute("id", AttributeType.String));
            group.Attributes.Add(SchemaAttribute.CreateAnchorAttribute("groupId", AttributeType.String));
            group.Attributes.Add(SchemaAttribute.CreateSingleValuedAttribute("mail", AttributeType.String));
            ok.Types.Add(user);
            ok.Types.Add(group);
            Assert.True(ok.Validate());

            Schema conflict = Schema.Create();
            SchemaType contact = SchemaType.Create("contact", false);
            contact.Attributes.Add(SchemaAttribute.CreateMultiValuedAttribute("mail", AttributeType.String));
            conflict.Types.Add(user);
            conflict.Types.Add(contact);
            Assert.False(conflict.Validate());

            Schema noAnchor = Schema.Create();
            SchemaType locked = SchemaType.Create("device", true);
            locked.Attributes.Add(SchemaAttribute.CreateSingleValuedAttribute("name", AttributeType.String));
            noAnchor.Types.Add(locked);
            Assert.False(noAnchor.Validate());

            Schema unlocked = Schema.Create();
            SchemaType free = SchemaType.Create("device", false);
            free.Attributes.Add(SchemaAttribute.CreateSingleValuedAttribute("name", AttributeType.String));
            unlocked.Types.Add(free);
            Assert.True(unlocked.Validate());
        }

        [Fact]
        public void SchemaKeyedCollectionsAreCaseSensitiveAndRefuseDuplicates()
        {
            SchemaTypeKeyedCollection types = new SchemaTypeKeyedCollection { SchemaType.Create("user", true), SchemaType.Create("User", true) };
            Assert.Equal(2, types.Count);
            Assert.Throws<ArgumentException>(() => types.Add(SchemaType.Create("user", false)));
            SchemaAttributeKeyedCollection attributes = new SchemaAttributeKeyedCollection { SchemaAttribute.CreateSingleValuedAttribute("a", AttributeType.String) };
            Assert.True(attributes.Contains("a"));
            Assert.False(attributes.Contains("A"));
            Assert.Throws<ArgumentException>(() => attributes.Add(SchemaAttribute.CreateSingleValuedAttribute("a", AttributeType.Integer)));
        }

        // ---- §7, §8 run steps and results ----

        [Fact]
        public void ImportRunStepsHaveTheDocumentedDefaults()
        {
            OpenImportConnectionRunStep open = new OpenImportConnectionRunStep();
            Assert.Equal(OperationType.Full, open.ImportType);
            Assert.Equal(1, open.PageSize);
            Assert.Null(open.StepPartition);
            Assert.Null(open.CustomData);
            Assert.Null(open.InclusionHierarchyNodes);
            Assert.Null(open.ExclusionHierarchyNodes);

            GetImportEntriesRunStep get = new GetImportEntriesRunStep();
            Assert.IsType<List<CSEntryChange>>(get.FullObjectEntries);
            Assert.Empty(get.FullObjectEntries);
            Assert.Null(get.CustomData);

            CloseImportConnectionRunStep close = new CloseImportConnectionRunStep();
            Assert.Equal(CloseReason.Normal, close.Reason);
            Assert.Null(close.CustomData);
        }

        [Fact]
        public void ImportRunStepConstructorsStoreTheirArguments()
        {
            Partition partition = Partition.Create(Guid.NewGuid(), "default", "default");
            List<HierarchyNode> include = new List<HierarchyNode> { HierarchyNode.Create("OU=a", "a") };
            List<HierarchyNode> exclude = new List<HierarchyNode>();
            OpenImportConnectionRunStep open = new OpenImportConnectionRunStep(partition, OperationType.Delta, 250, "wm", include, exclude);
            Assert.Same(partition, open.StepPartition);
            Assert.Equal(OperationType.Delta, open.ImportType);
            Assert.Equal(250, open.PageSize);
            Assert.Equal("wm", open.CustomData);
            Assert.Same(include, open.InclusionHierarchyNodes);
            Assert.Same(exclude, open.ExclusionHierarchyNodes);
            Assert.IsAssignableFrom<ImportRunStep>(open);

            List<CSEntryChange> full = new List<CSEntryChange> { CSEntryChange.Create() };
            GetImportEntriesRunStep get = new GetImportEntriesRunStep(full, "page2");
            Assert.Same(full, get.FullObjectEntries);
            Assert.Equal("page2", get.CustomData);

            CloseImportConnectionRunStep close = new CloseImportConnectionRunStep(CloseReason.TerminatedByUser, "last");
            Assert.Equal(CloseReason.TerminatedByUser, close.Reason);
            Assert.Equal("last", close.CustomData);
        }

        [Fact]
        public void ImportResultsCarryCustomData()
        {
            Assert.Null(new ImportResults().CustomData);
            Assert.Equal("a", new ImportResults("a").CustomData);
            Assert.Null(new OpenImportConnectionResults().CustomData);
            Assert.Equal("b", new OpenImportConnectionResults("b").CustomData);
            Assert.Null(new CloseImportConnectionResults().CustomData);
            Assert.Equal("c", new CloseImportConnectionResults("c").CustomData);
            Assert.Null(new WriteImportFileResults().CustomData);
            Assert.Equal("d", new WriteImportFileResults("d").CustomData);
            CloseImportConnectionResults results = new CloseImportConnectionResults { CustomData = "e" };
            Assert.Equal("e", results.CustomData);
        }

        [Fact]
        public void GetImportEntriesResultsStartWithNullEntries()
        {
            GetImportEntriesResults empty = new GetImportEntriesResults();
            Assert.Null(empty.CSEntries);
            Assert.False(empty.MoreToImport);
            Assert.Null(empty.CustomData);

            List<CSEntryChange> page = new List<CSEntryChange> { CSEntryChange.Create() };
            GetImportEntriesResults results = new GetImportEntriesResults("token", true, page);
            Assert.Equal("token", results.CustomData);
            Assert.True(results.MoreToImport);
            Assert.Same(page, results.CSEntries);
            results.MoreToImport = false;
            results.CSEntries = null;
            Assert.False(results.MoreToImport);
            Assert.Null(results.CSEntries);
            Assert.NotNull(typeof(GetImportEntriesResults).GetProperty("CSEntries").GetCustomAttribute<XmlElementAttribute>());
        }

        [Fact]
        public void ExportRunStepsHaveTheDocumentedDefaults()
        {
            OpenExportConnectionRunStep open = new OpenExportConnectionRunStep();
            Assert.Equal(1, open.BatchSize);
            Assert.Equal(OperationType.Full, open.ExportType);
            Assert.Null(open.StepPartition);
            Assert.Null(open.InclusionHierarchyNodes);
            Assert.Null(open.ExclusionHierarchyNodes);

            Partition partition = Partition.Create(Guid.NewGuid(), "dc=x");
            List<HierarchyNode> nodes = new List<HierarchyNode>();
            OpenExportConnectionRunStep step = new OpenExportConnectionRunStep(partition, 50, OperationType.Delta, nodes, null);
            Assert.Equal((50, OperationType.Delta), (step.BatchSize, step.ExportType));
            Assert.Same(partition, step.StepPartition);
            Assert.Same(nodes, step.InclusionHierarchyNodes);
            Assert.Null(step.ExclusionHierarchyNodes);
            Assert.IsAssignableFrom<ExportRunStep>(step);

            Assert.Equal(CloseReason.Normal, new CloseExportConnectionRunStep().Reason);
            Assert.Equal(CloseReason.TerminatedShuttingDown, new CloseExportConnectionRunStep(CloseReason.TerminatedShuttingDown).Reason);
            Assert.Equal(typeof(object), typeof(CloseExportConnectionRunStep).BaseType);
        }

        [Fact]
        public void FileRunStepsCanBeSubclassedByTheEngine()
        {
            Partition partition = Partition.Create(Guid.NewGuid(), "p");
            TestWriteImportFileRunStep write = new TestWriteImportFileRunStep(partition, "wm");
            Assert.Same(partition, write.StepPartition);
            Assert.Equal("wm", write.CustomData);
            Assert.Equal("/tmp/in.xml", write.FilePath);
            Assert.Equal(OperationType.Delta, write.ImportType);
            Assert.Null(new TestWriteImportFileRunStep().StepPartition);

            TestReadExportFileRunStep read = new TestReadExportFileRunStep(partition, OperationType.Full);
            Assert.Same(partition, read.StepPartition);
            Assert.Equal(OperationType.Full, read.ExportType);
            Assert.Equal("/tmp/out.xml", read.FilePath);
            Assert.Null(new TestReadExportFileRunStep().StepPartition);
        }

        [Fact]
        public void PutExportEntriesResultsAreKeyedByIdentifier()
        {
            PutExportEntriesResults empty = new PutExportEntriesResults();
            Assert.Empty(empty.CSEntryChangeResults);
            Assert.IsType<CSEntryChangeResultKeyedCollectionDetached>(empty.CSEntryChangeResults);

            Guid a = Guid.NewGuid();
            Guid b = Guid.NewGuid();
            PutExportEntriesResults results = new PutExportEntriesResults(new List<CSEntryChangeResult>
            {
                CSEntryChangeResult.Create(a, null, MAExportError.Success),
                CSEntryChangeResult.Create(b, null, MAExportError.ExportErrorCustomContinueRun, "failed", "detail"),
            });
            Assert.Equal(2, results.CSEntryChangeResults.Count);
            Assert.Equal(MAExportError.ExportErrorCustomContinueRun, results.CSEntryChangeResults[b].ErrorCode);
            Assert.Throws<ArgumentException>(() => results.CSEntryChangeResults.Add(CSEntryChangeResult.Create(a, null, MAExportError.Success)));
            Assert.Throws<ArgumentException>(() => new PutExportEntriesResults(new List<CSEntryChangeResult> { CSEntryChangeResult.Create(a, null, MAExportError.Success), CSEntryChangeResult.Create(a, null, MAExportError.Success) }));
            Assert.Throws<NullReferenceException>(() => new PutExportEntriesResults(null));
        }

        // ---- §9 change model ----

        [Fact]
        public void CreateGivesAnUnconfiguredDetachedObject()
        {
            CSEntryChange c = CSEntryChange.Create();
            Assert.IsType<CSEntryChangeDetached>(c);
            Assert.NotEqual(Guid.Empty, c.Identifier);
            Assert.NotEqual(c.Identifier, CSEntryChange.Create().Identifier);
            Assert.Equal(ObjectModificationType.Unconfigured, c.ObjectModificationType);
            Assert.Equal(MAImportError.Success, c.ErrorCodeImport);
            Assert.Null(c.DN);
            Assert.Null(c.ObjectType);
            Assert.Null(c.ErrorName);
            Assert.Null(c.ErrorDetail);
            Assert.Empty(c.AttributeChanges);
            Assert.Empty(c.AnchorAttributes);
            Assert.Empty(c.ChangedAttributeNames);
            Assert.IsType<AttributeChangeKeyedCollectionDetached>(c.AttributeChanges);
            Assert.IsType<AnchorAttributeKeyedCollectionDetached>(c.AnchorAttributes);
            Assert.IsType<CSEntryChangeDetached>(Utils.CreateCSEntryChange());
        }

        [Fact]
        public void ObjectModificationTypeCanBeSetOnce()
        {
            CSEntryChange c = CSEntryChange.Create();
            c.ObjectModificationType = ObjectModificationType.Add;
            Assert.Equal(ObjectModificationType.Add, c.ObjectModificationType);
            InvalidOperationException e = Assert.Throws<InvalidOperationException>(() => c.ObjectModificationType = ObjectModificationType.Update);
            Assert.Equal("ObjectModificationType has already been set.", e.Message);
            e = Assert.Throws<InvalidOperationException>(() => c.ObjectModificationType = ObjectModificationType.Add);
            Assert.Equal("ObjectModificationType has already been set.", e.Message);
        }

        [Theory]
        [InlineData(ObjectModificationType.Unconfigured)]
        [InlineData(ObjectModificationType.None)]
        public void UnconfiguredAndNoneAreNotValidObjectModificationTypes(ObjectModificationType value)
        {
            CSEntryChange c = CSEntryChange.Create();
            InvalidOperationException e = Assert.Throws<InvalidOperationException>(() => c.ObjectModificationType = value);
            Assert.Equal("ObjectModificationType " + value + " is not valid.", e.Message);
            Assert.Equal(ObjectModificationType.Unconfigured, c.ObjectModificationType);
        }

        [Theory]
        [InlineData(ObjectModificationType.Add)]
        [InlineData(ObjectModificationType.Replace)]
        [InlineData(ObjectModificationType.Update)]
        [InlineData(ObjectModificationType.Delete)]
        public void AddReplaceUpdateDeleteAreValidObjectModificationTypes(ObjectModificationType value)
        {
            CSEntryChange c = CSEntryChange.Create();
            c.ObjectModificationType = value;
            Assert.Equal(value, c.ObjectModificationType);
        }

        [Fact]
        public void AttributeChangesNeedTheObjectModificationTypeFirst()
        {
            CSEntryChange c = CSEntryChange.Create();
            InvalidOperationException e = Assert.Throws<InvalidOperationException>(() => c.AttributeChanges.Add(AttributeChange.CreateAttributeAdd("mail", "a@b")));
            Assert.Equal("ObjectModificationType Unconfigured is not valid.", e.Message);
            Assert.Empty(c.AttributeChanges);

            CSEntryChange none = new CSEntryChangeDetached(Guid.NewGuid(), ObjectModificationType.None, MAImportError.Success, null);
            e = Assert.Throws<InvalidOperationException>(() => none.AttributeChanges.Add(AttributeChange.CreateNewDN("CN=x")));
            Assert.Equal("ObjectModificationType None is not valid.", e.Message);
        }

        public static TheoryData<ObjectModificationType, AttributeModificationType, bool> AttributeMatrix()
        {
            TheoryData<ObjectModificationType, AttributeModificationType, bool> data = new TheoryData<ObjectModificationType, AttributeModificationType, bool>();
            foreach (ObjectModificationType o in new[] { ObjectModificationType.Add, ObjectModificationType.Replace, ObjectModificationType.Update, ObjectModificationType.Delete })
            {
                foreach (AttributeModificationType a in Enum.GetValues(typeof(AttributeModificationType)))
                {
                    bool allowed = o == ObjectModificationType.Update ? a != AttributeModificationType.Unconfigured
                        : o != ObjectModificationType.Delete && a == AttributeModificationType.Add;
                    data.Add(o, a, allowed);
                }
            }

            return data;
        }

        [Theory]
        [MemberData(nameof(AttributeMatrix))]
        public void AttributeModificationTypesAllowedPerObjectModificationType(ObjectModificationType objectType, AttributeModificationType attributeType, bool allowed)
        {
            CSEntryChange c = CSEntryChange.Create();
            c.ObjectModificationType = objectType;
            AttributeChange change = new AttributeChangeDetached("mail", attributeType, new List<ValueChange> { ValueChange.CreateValueAdd("a@b") });
            if (allowed)
            {
                c.AttributeChanges.Add(change);
                Assert.Same(change, c.AttributeChanges["mail"]);
            }
            else
            {
                ArgumentException e = Assert.Throws<ArgumentException>(() => c.AttributeChanges.Add(change));
                Assert.Equal("AttributeModificationType " + attributeType + " is invalid when the ObjectModificationType is set to " + objectType + ".", e.Message);
                Assert.Empty(c.AttributeChanges);
            }
        }

        [Fact]
        public void InsertAndIndexedSetAreValidatedToo()
        {
            CSEntryChange add = CSEntryChange.Create();
            add.ObjectModificationType = ObjectModificationType.Add;
            add.AttributeChanges.Insert(0, AttributeChange.CreateAttributeAdd("a", "1"));
            Assert.Throws<ArgumentException>(() => add.AttributeChanges.Insert(0, AttributeChange.CreateAttributeReplace("b", "1")));
            Assert.Throws<ArgumentException>(() => ((Collection<AttributeChange>)add.AttributeChanges)[0] = AttributeChange.CreateAttributeDelete("a"));
            ((Collection<AttributeChange>)add.AttributeChanges)[0] = AttributeChange.CreateAttributeAdd("a", "2");
            Assert.Equal("2", add.AttributeChanges["a"].ValueChanges[0].Value);
        }

        [Fact]
        public void DNAttributeChangesNeedAValueButNoModificationTypeCheck()
        {
            CSEntryChange c = CSEntryChange.Create();
            c.ObjectModificationType = ObjectModificationType.Add;
            InvalidDNException e = Assert.Throws<InvalidDNException>(() => c.AttributeChanges.Add(AttributeChange.CreateAttributeDelete("DN")));
            Assert.Equal("DN attribute must have a value.", e.Message);
            e = Assert.Throws<InvalidDNException>(() => c.AttributeChanges.Add(new AttributeChangeDetached("dn", AttributeModificationType.Add, new List<ValueChange> { new ValueChange(null, ValueModificationType.Add) })));
            Assert.Equal("DN attribute must have a value.", e.Message);

            c.AttributeChanges.Add(AttributeChange.CreateNewDN("CN=new"));
            Assert.Equal(AttributeModificationType.Unconfigured, c.AttributeChanges["DN"].ModificationType);
            CSEntryChange other = CSEntryChange.Create();
            other.ObjectModificationType = ObjectModificationType.Delete;
            other.AttributeChanges.Add(new AttributeChangeDetached("Dn", AttributeModificationType.Delete, new List<ValueChange> { ValueChange.CreateValueDelete("CN=old") }));
            Assert.Single(other.AttributeChanges);
        }

        [Fact]
        public void AttributeChangesAreKeyedByNameCaseSensitively()
        {
            CSEntryChange c = CSEntryChange.Create();
            c.ObjectModificationType = ObjectModificationType.Update;
            c.AttributeChanges.Add(AttributeChange.CreateAttributeReplace("mail", "a"));
            c.AttributeChanges.Add(AttributeChange.CreateAttributeReplace("Mail", "b"));
            Assert.Throws<ArgumentException>(() => c.AttributeChanges.Add(AttributeChange.CreateAttributeDelete("mail")));
            Assert.Equal(new[] { "mail", "Mail" }, c.ChangedAttributeNames);
        }

        [Fact]
        public void AnchorAttributesAreUnvalidated()
        {
            CSEntryChange c = CSEntryChange.Create();
            c.AnchorAttributes.Add(AnchorAttribute.Create("id", "1"));
            c.AnchorAttributes.Add(AnchorAttribute.Create("Id", null));
            Assert.Equal("1", c.AnchorAttributes["id"].Value);
            Assert.Throws<ArgumentException>(() => c.AnchorAttributes.Add(AnchorAttribute.Create("id", "2")));
            Assert.Equal(ObjectModificationType.Unconfigured, c.ObjectModificationType);
        }

        [Theory]
        [InlineData("CN=a\\,b,OU=x", "CN=a\\,b")]
        [InlineData("CN=a,OU=b,DC=c", "CN=a")]
        [InlineData("user@contoso.com", "user@contoso.com")]
        [InlineData("", null)]
        public void RdnIsTheFirstUnescapedComponent(string dn, string rdn)
        {
            CSEntryChange c = CSEntryChange.Create();
            c.DN = dn;
            Assert.Equal(rdn, c.RDN);
        }

        [Fact]
        public void RdnOfANullDNThrowsNullReferenceException()
        {
            CSEntryChange c = CSEntryChange.Create();
            Assert.Throws<NullReferenceException>(() => c.RDN);
        }

        [Fact]
        public void ChangedAttributeNamesIsAReadOnlySnapshotUnlessGiven()
        {
            CSEntryChange c = CSEntryChange.Create();
            c.ObjectModificationType = ObjectModificationType.Add;
            c.AttributeChanges.Add(AttributeChange.CreateAttributeAdd("b", 1L));
            c.AttributeChanges.Add(AttributeChange.CreateAttributeAdd("a", 2L));
            IList<string> snapshot = c.ChangedAttributeNames;
            Assert.Equal(new[] { "b", "a" }, snapshot);
            Assert.True(snapshot.IsReadOnly);
            Assert.Throws<NotSupportedException>(() => snapshot.Add("c"));
            c.AttributeChanges.Add(AttributeChange.CreateAttributeAdd("c", 3L));
            Assert.Equal(2, snapshot.Count);
            Assert.Equal(3, c.ChangedAttributeNames.Count);

            List<string> given = new List<string> { "x" };
            CSEntryChangeDetached detached = new CSEntryChangeDetached(Guid.NewGuid(), ObjectModificationType.Update, MAImportError.Success, given);
            detached.AttributeChanges.Add(AttributeChange.CreateAttributeDelete("y"));
            Assert.Same(given, detached.ChangedAttributeNames);
        }

        [Fact]
        public void PlainPropertiesAreUnvalidated()
        {
            CSEntryChange c = CSEntryChange.Create();
            c.DN = "anything, really";
            c.ObjectType = "user";
            c.ErrorCodeImport = MAImportError.ImportErrorCustomContinueRun;
            c.ErrorName = "name";
            c.ErrorDetail = "detail";
            Assert.Equal(("anything, really", "user", MAImportError.ImportErrorCustomContinueRun, "name", "detail"), (c.DN, c.ObjectType, c.ErrorCodeImport, c.ErrorName, c.ErrorDetail));
            c.DN = null;
            c.ObjectType = null;
            Assert.Null(c.DN);
        }

        [Fact]
        public void DetachedConstructorStoresTheModificationTypeUnvalidated()
        {
            Guid id = Guid.NewGuid();
            CSEntryChangeDetached update = new CSEntryChangeDetached(id, ObjectModificationType.Update, MAImportError.ImportErrorReadError, null);
            Assert.Equal(id, update.Identifier);
            Assert.Equal(ObjectModificationType.Update, update.ObjectModificationType);
            Assert.Equal(MAImportError.ImportErrorReadError, update.ErrorCodeImport);
            InvalidOperationException e = Assert.Throws<InvalidOperationException>(() => update.ObjectModificationType = ObjectModificationType.Delete);
            Assert.Equal("ObjectModificationType has already been set.", e.Message);

            CSEntryChangeDetached none = new CSEntryChangeDetached(id, ObjectModificationType.None, MAImportError.Success, null);
            Assert.Equal(ObjectModificationType.None, none.ObjectModificationType);
            e = Assert.Throws<InvalidOperationException>(() => none.ObjectModificationType = ObjectModificationType.Add);
            Assert.Equal("ObjectModificationType has already been set.", e.Message);
        }

        public static TheoryData<string, AttributeChange, AttributeModificationType, object[], ValueModificationType[]> Factories()
        {
            return new TheoryData<string, AttributeChange, AttributeModificationType, object[], ValueModificationType[]>
            {
                { "Add(object)", AttributeChange.CreateAttributeAdd("n", "v"), AttributeModificationType.Add, new object[] { "v" }, new[] { ValueModificationType.Add } },
                { "Add(list)", AttributeChange.CreateAttributeAdd("n", new List<object> { "a", 2L }), AttributeModificationType.Add, new object[] { "a", 2L }, new[] { ValueModificationType.Add, ValueModificationType.Add } },
                { "Add(empty list)", AttributeChange.CreateAttributeAdd("n", new List<object>()), AttributeModificationType.Add, new object[0], new ValueModificationType[0] },
                { "Replace(object)", AttributeChange.CreateAttributeReplace("n", true), AttributeModificationType.Replace, new object[] { true }, new[] { ValueModificationType.Add } },
                { "Replace(list)", AttributeChange.CreateAttributeReplace("n", new List<object> { "a", "b" }), AttributeModificationType.Replace, new object[] { "a", "b" }, new[] { ValueModificationType.Add, ValueModificationType.Add } },
                { "Update(changes)", AttributeChange.CreateAttributeUpdate("n", new List<ValueChange> { ValueChange.CreateValueAdd("x"), ValueChange.CreateValueDelete("y") }), AttributeModificationType.Update, new object[] { "x", "y" }, new[] { ValueModificationType.Add, ValueModificationType.Delete } },
                { "Update(object) is a Replace", AttributeChange.CreateAttributeUpdate("n", (object)"v"), AttributeModificationType.Replace, new object[] { "v" }, new[] { ValueModificationType.Add } },
                { "Delete", AttributeChange.CreateAttributeDelete("n"), AttributeModificationType.Delete, new object[0], new ValueModificationType[0] },
                { "NewDN", AttributeChange.CreateNewDN("CN=n"), AttributeModificationType.Unconfigured, new object[] { "CN=n" }, new[] { ValueModificationType.Add } },
            };
        }

        [Theory]
        [MemberData(nameof(Factories))]
        public void AttributeChangeFactoriesProduceTheDocumentedChanges(string factory, AttributeChange change, AttributeModificationType modification, object[] values, ValueModificationType[] valueModifications)
        {
            Assert.IsType<AttributeChangeDetached>(change);
            Assert.Equal(factory == "NewDN" ? "DN" : "n", change.Name);
            Assert.Equal(modification, change.ModificationType);
            Assert.Equal(AttributeType.Undefined, change.DataType);
            Assert.True(change.IsMultiValued);
            Assert.IsType<List<ValueChange>>(change.ValueChanges);
            Assert.Equal(values, change.ValueChanges.Select(v => v.Value).ToArray());
            Assert.Equal(valueModifications, change.ValueChanges.Select(v => v.ModificationType).ToArray());
            change.ValueChanges.Add(ValueChange.CreateValueAdd("more"));
            Assert.Equal(values.Length + 1, change.ValueChanges.Count);
        }

        [Fact]
        public void CreateAttributeUpdateCopiesTheList()
        {
            List<ValueChange> changes = new List<ValueChange> { ValueChange.CreateValueAdd("x") };
            AttributeChange change = AttributeChange.CreateAttributeUpdate("n", changes);
            Assert.NotSame(changes, change.ValueChanges);
            changes.Add(ValueChange.CreateValueDelete("y"));
            Assert.Single(change.ValueChanges);
        }

        [Fact]
        public void AttributeChangeFactoriesRefuseNullValues()
        {
            AssertNullValue(() => AttributeChange.CreateAttributeAdd("a", (object)null));
            AssertNullValue(() => AttributeChange.CreateAttributeReplace("a", (object)null));
            AssertNullValue(() => AttributeChange.CreateAttributeUpdate("a", (object)null));
            AssertNullValue(() => AttributeChange.CreateNewDN(null), "DN");
            AssertNullValue(() => AttributeChange.CreateAttributeAdd("a", new List<object> { "x", null }));
            AssertNullValue(() => AttributeChange.CreateAttributeReplace("a", new List<object> { null }));
            AssertNullValue(() => AttributeChange.CreateAttributeUpdate("a", new List<ValueChange> { null }));
            AssertNullValue(() => AttributeChange.CreateAttributeUpdate("a", new List<ValueChange> { ValueChange.CreateValueDelete(null) }));

            InvalidOperationException e = Assert.Throws<InvalidOperationException>(() => AttributeChange.CreateAttributeUpdate("a", (IList<ValueChange>)null));
            Assert.Equal("The attribute a is assigned a null value list", e.Message);
            Assert.Throws<NullReferenceException>(() => AttributeChange.CreateAttributeAdd("a", (IList<object>)null));
            Assert.Throws<NullReferenceException>(() => AttributeChange.CreateAttributeReplace("a", (IList<object>)null));
            Assert.Null(AttributeChange.CreateAttributeDelete(null).Name);
        }

        [Fact]
        public void ValueChangesAreNotValidated()
        {
            ValueChange raw = new ValueChange(null, ValueModificationType.Unconfigured);
            Assert.Null(raw.Value);
            Assert.Equal(ValueModificationType.Unconfigured, raw.ModificationType);
            Assert.Equal((ValueModificationType.Add, (object)"x"), (ValueChange.CreateValueAdd("x").ModificationType, ValueChange.CreateValueAdd("x").Value));
            Assert.Equal(ValueModificationType.Delete, ValueChange.CreateValueDelete(1L).ModificationType);
            ValueChange made = ValueChangeFactory.CreateValueChange(2L, ValueModificationType.Delete);
            Assert.Equal((ValueModificationType.Delete, (object)2L), (made.ModificationType, made.Value));
            Assert.False(typeof(ValueChange).IsSealed);
        }

        [Fact]
        public void AnchorAttributeCreateIsUndefinedAndUnchecked()
        {
            AnchorAttribute anchor = AnchorAttribute.Create("id", 42L);
            Assert.IsType<AnchorAttributeDetached>(anchor);
            Assert.Equal(("id", AttributeType.Undefined, (object)42L), (anchor.Name, anchor.DataType, anchor.Value));
            AnchorAttribute nulls = AnchorAttribute.Create(null, null);
            Assert.Null(nulls.Name);
            Assert.Null(nulls.Value);
            AnchorAttributeDetached typed = new AnchorAttributeDetached("guid", AttributeType.Binary, new byte[] { 1 });
            Assert.Equal(AttributeType.Binary, typed.DataType);
            Assert.Equal(AttributeType.Undefined, Utils.CreateAnchorAttribute("id", "1").DataType);
        }

        [Fact]
        public void AttributeChangeDetachedConstructors()
        {
            AttributeChangeDetached plain = new AttributeChangeDetached("a", AttributeModificationType.Add, null);
            Assert.Equal((AttributeType.Undefined, true), (plain.DataType, plain.IsMultiValued));
            Assert.Empty(plain.ValueChanges);

            AttributeChangeDetached typed = new AttributeChangeDetached("b", AttributeModificationType.Replace, new List<ValueChange> { ValueChange.CreateValueAdd(1L) }, AttributeType.Integer, false, true);
            Assert.Equal(("b", AttributeModificationType.Replace, AttributeType.Integer, false), (typed.Name, typed.ModificationType, typed.DataType, typed.IsMultiValued));
            Assert.Single(typed.ValueChanges);

            SchemaAttribute schema = SchemaAttribute.CreateMultiValuedAttribute("member", AttributeType.Reference);
            AttributeChangeDetached fromSchema = new AttributeChangeDetached(schema, AttributeModificationType.Update, null);
            Assert.Equal(("member", AttributeType.Reference, true, AttributeModificationType.Update), (fromSchema.Name, fromSchema.DataType, fromSchema.IsMultiValued, fromSchema.ModificationType));
            Assert.NotNull(fromSchema.ValueChanges);
            Assert.Empty(fromSchema.ValueChanges);
            Assert.False(new AttributeChangeDetached(SchemaAttribute.CreateSingleValuedAttribute("s", AttributeType.String), AttributeModificationType.Add, null).IsMultiValued);

            ArgumentNullException e = Assert.Throws<ArgumentNullException>(() => new AttributeChangeDetached((SchemaAttribute)null, AttributeModificationType.Add, null));
            Assert.Equal("attributeSchema", e.ParamName);
        }

        [Fact]
        public void CSEntryChangeResultCreateCopiesAnchorsWithoutValidation()
        {
            Guid id = Guid.NewGuid();
            CSEntryChangeResult ok = CSEntryChangeResult.Create(id, null, MAExportError.Success);
            Assert.IsType<CSEntryChangeResultDetached>(ok);
            Assert.Equal(id, ok.Identifier);
            Assert.Empty(ok.AnchorAttributes);
            Assert.Null(ok.ErrorName);
            Assert.Null(ok.ErrorDetail);
            Assert.Equal(MAExportError.Success, ok.ErrorCode);

            List<AttributeChange> anchors = new List<AttributeChange> { AttributeChange.CreateAttributeAdd("id", "new-id"), AttributeChange.CreateAttributeReplace("other", "x"), AttributeChange.CreateAttributeDelete("DN") };
            CSEntryChangeResult failed = CSEntryChangeResult.Create(id, anchors, MAExportError.ExportErrorCustomContinueRun, "Graph said no", "stack");
            Assert.Equal(new[] { "id", "other", "DN" }, failed.AnchorAttributes.Select(a => a.Name));
            Assert.Equal("new-id", failed.AnchorAttributes["id"].ValueChanges[0].Value);
            Assert.Equal(("Graph said no", "stack", MAExportError.ExportErrorCustomContinueRun), (failed.ErrorName, failed.ErrorDetail, failed.ErrorCode));
            anchors.Clear();
            Assert.Equal(3, failed.AnchorAttributes.Count);

            Assert.Throws<ArgumentException>(() => CSEntryChangeResult.Create(id, new List<AttributeChange> { AttributeChange.CreateAttributeAdd("id", "1"), AttributeChange.CreateAttributeAdd("id", "2") }, MAExportError.Success));
            CSEntryChangeResult viaUtils = Utils.CreateCSEntryChangeResult(id, null, MAExportError.ExportErrorPermissionIssue, "n", "d");
            Assert.Equal(("n", "d", MAExportError.ExportErrorPermissionIssue), (viaUtils.ErrorName, viaUtils.ErrorDetail, viaUtils.ErrorCode));
            Assert.Null(Utils.CreateCSEntryChangeResult(id, null, MAExportError.Success).ErrorName);
            KeyedCollection<Guid, CSEntryChangeResult> collection = Utils.CreateCSEntryChangeResultCollection();
            Assert.IsType<CSEntryChangeResultKeyedCollectionDetached>(collection);
            collection.Add(ok);
            Assert.Same(ok, collection[id]);
        }

        [Fact]
        public void DetachedUtilsValidateAndSplit()
        {
            Assert.Equal("DN", DetachedUtils.DNAttributeName);
            Assert.Equal(new[] { "CN=a\\,b", "OU=x", "DC=y" }, DetachedUtils.SplitDN("CN=a\\,b,OU=x,DC=y"));
            Assert.Empty(DetachedUtils.SplitDN(string.Empty));
            Assert.Throws<NullReferenceException>(() => DetachedUtils.SplitDN(null));

            DetachedUtils.ValidateObjectModificationType(ObjectModificationType.Delete);
            Assert.Equal("ObjectModificationType None is not valid.", Assert.Throws<InvalidOperationException>(() => DetachedUtils.ValidateObjectModificationType(ObjectModificationType.None)).Message);
            DetachedUtils.ValidateAttributeModificationType(ObjectModificationType.Update, AttributeModificationType.Delete);
            Assert.Equal(
                "AttributeModificationType Add is invalid when the ObjectModificationType is set to Delete.",
                Assert.Throws<ArgumentException>(() => DetachedUtils.ValidateAttributeModificationType(ObjectModificationType.Delete, AttributeModificationType.Add)).Message);

            CSEntryChange c = CSEntryChange.Create();
            c.ObjectModificationType = ObjectModificationType.Add;
            DetachedUtils.ValidateAttributeChange(c, AttributeChange.CreateAttributeAdd("a", "b"));
            Assert.Throws<ArgumentNullException>(() => DetachedUtils.ValidateAttributeChange(null, AttributeChange.CreateAttributeAdd("a", "b")));
            Assert.Throws<ArgumentNullException>(() => DetachedUtils.ValidateAttributeChange(c, null));
            Assert.Throws<InvalidDNException>(() => DetachedUtils.ValidateAttributeChange(c, AttributeChange.CreateAttributeDelete("dN")));
        }

        // ---- §10 partitions and hierarchy ----

        [Fact]
        public void PartitionDNDefaultsToTheIdentifier()
        {
            Guid id = Guid.NewGuid();
            Partition named = Partition.Create(id, "default", "Default partition");
            Assert.Equal((id, "default", "Default partition", false), (named.Identifier, named.DN, named.Name, named.HiddenByDefault));
            Assert.Equal(id.ToString(), Partition.Create(id, null, "n").DN);
            Assert.Equal(id.ToString(), Partition.Create(id, string.Empty, "n").DN);
            Partition unnamed = Partition.Create(id, null);
            Assert.Equal(id.ToString(), unnamed.DN);
            Assert.Equal(string.Empty, unnamed.Name);
            Assert.Equal("dc=x", Partition.Create(id, "dc=x").DN);
            unnamed.HiddenByDefault = true;
            Assert.True(unnamed.HiddenByDefault);
            Assert.Empty(typeof(Partition).GetConstructors());
        }

        [Fact]
        public void HierarchyNodeCreateStoresItsArguments()
        {
            HierarchyNode node = HierarchyNode.Create("OU=Users,DC=x", "Users");
            Assert.Equal(("OU=Users,DC=x", "Users"), (node.DN, node.DisplayName));
            Assert.Empty(typeof(HierarchyNode).GetConstructors());
            Assert.Empty(typeof(SchemaType).GetConstructors());
            Assert.Empty(typeof(SchemaAttribute).GetConstructors());
        }

        // ---- §11 password types and engine-backed classes ----

        [Fact]
        public void PasswordOptionsCombineAndSecurityLevelsAreTwo()
        {
            PasswordOptions options = PasswordOptions.ForceChangeAtLogOn | PasswordOptions.UnlockAccount | PasswordOptions.ValidatePassword;
            Assert.Equal(7, (int)options);
            Assert.Equal("ForceChangeAtLogOn, UnlockAccount", (PasswordOptions.ForceChangeAtLogOn | PasswordOptions.UnlockAccount).ToString());
            Assert.True(options.HasFlag(PasswordOptions.UnlockAccount));
            Assert.Equal(new[] { ConnectionSecurityLevel.NotSecure, ConnectionSecurityLevel.Secure }, Enum.GetValues(typeof(ConnectionSecurityLevel)).Cast<ConnectionSecurityLevel>());
        }

        [Fact]
        public void CSEntryCanBeSubclassedForPasswordTests()
        {
            CSEntry entry = new FakeCSEntry("CN=alice,OU=users", "user", ("userPrincipalName", "alice@contoso.com"), ("id", "42"));
            Assert.Equal("alice@contoso.com", entry["userPrincipalName"].Value);
            Assert.Equal("CN=alice", entry.RDN);
            Assert.Equal("user", entry.ObjectType);
            Assert.Equal("CN=alice,OU=users", entry.DN.ToString());
            Assert.Equal("OU=users", entry.DN.Parent().ToString());
            Assert.Equal(2, entry.DN.Depth);
            Assert.Equal("Graph", entry.MA.Name);
            Assert.Equal(ConnectionState.Connected, entry.ConnectionState);
            Assert.Equal(RuleType.Projection, entry.ConnectionRule);
            Assert.Equal(new[] { "user" }, entry.ObjectClass.ToStringArray());

            List<string> names = new List<string>();
            foreach (string name in (IEnumerable)entry)
            {
                names.Add(name);
            }

            Assert.Equal(new[] { "userPrincipalName", "id" }, names);
            AttributeNameEnumerator typed = entry.GetEnumerator();
            Assert.True(typed.MoveNext());
            Assert.Equal("userPrincipalName", typed.Current);
            Assert.Equal("userPrincipalName", ((IEnumerator)typed).Current);
            typed.Reset();
            Assert.True(typed.MoveNext());
            Assert.Equal("CN=alice,OU=users", entry.ToString());
        }

        [Fact]
        public void ValueCollectionEnumeratesAndConvertsToByteArrays()
        {
            ValueCollection values = new ListValueCollection("a", "bc");
            List<string> seen = new List<string>();
            foreach (Value value in (IEnumerable)values)
            {
                seen.Add(value.ToString());
            }

            Assert.Equal(new[] { "a", "bc" }, seen);
            ValueCollectionEnumerator e = values.GetEnumerator();
            Assert.True(e.MoveNext());
            Assert.Same(e.Current, ((IEnumerator)e).Current);
            byte[][] bytes = values.ToByteArrays();
            Assert.Equal(new[] { new byte[] { 97 }, new byte[] { 98, 99 } }, bytes);
            Assert.Empty(new ListValueCollection().ToByteArrays());
        }

        [Fact]
        public void PasswordInterfaceCanBeImplementedAgainstTheStandIn()
        {
            RecordingPasswordConnector connector = new RecordingPasswordConnector();
            IMAExtensible2Password password = connector;
            using SecureString secret = new SecureString();
            secret.AppendChar('p');
            password.OpenPasswordConnection(new ConfigParameterKeyedCollection(), Partition.Create(Guid.Empty, "default", "default"));
            Assert.Equal(ConnectionSecurityLevel.Secure, password.GetConnectionSecurityLevel());
            password.SetPassword(new FakeCSEntry("CN=bob", "user", ("id", "7")), secret, PasswordOptions.ForceChangeAtLogOn);
            password.ChangePassword(new FakeCSEntry("CN=bob", "user", ("id", "7")), secret, secret);
            password.ClosePasswordConnection();
            Assert.Equal(new[] { "open default", "set 7 ForceChangeAtLogOn 1", "change 7", "close" }, connector.Calls);
        }

        // ---- §12 exceptions ----

        public static TheoryData<Type> ExtensionExceptions()
        {
            TheoryData<Type> data = new TheoryData<Type>();
            foreach (Type t in typeof(ExtensionException).Assembly.GetExportedTypes().Where(t => t.BaseType == typeof(ExtensionException)))
            {
                data.Add(t);
            }

            return data;
        }

        [Theory]
        [MemberData(nameof(ExtensionExceptions))]
        public void ExtensionExceptionsHaveTheThreeConstructors(Type type)
        {
            Assert.True(type.IsSealed);
            Exception inner = new InvalidOperationException("inner");
            Exception plain = (Exception)Activator.CreateInstance(type);
            Exception described = (Exception)Activator.CreateInstance(type, "what happened");
            Exception wrapped = (Exception)Activator.CreateInstance(type, "what happened", inner);
            Assert.IsAssignableFrom<ApplicationException>(plain);
            Assert.Equal("what happened", described.Message);
            Assert.Same(inner, wrapped.InnerException);
            Assert.Equal(3, type.GetConstructors().Length);
#pragma warning disable SYSLIB0050 // the metadata flag: none of the exceptions is [Serializable] in the real builds
            Assert.Equal((TypeAttributes)0, type.Attributes & TypeAttributes.Serializable);
#pragma warning restore SYSLIB0050
        }

        [Fact]
        public void ExtensionExceptionFamilyIsComplete()
        {
            string[] expected =
            {
                "AccessDeniedException", "BadServerCredentialsException", "ClosePasswordConnectionException", "DeclineMappingException",
                "DroppedConnectionException", "EndConnectionException", "EntryExportException", "EntryPointNotImplementedException",
                "ExtensibleExtensionException", "FailedConnectionException", "FailedSearchException", "FatalEntryExportException",
                "FunctionEvaluationException", "ObjectNotFoundException", "ObjectTypeNotSupportedException", "OldPasswordIncorrectException",
                "PasswordExtensionException", "PasswordIllFormedException", "PasswordPolicyViolationException", "ProvisioningBySyncRuleException",
                "ServerDownException", "TerminateRunException", "UnexpectedDataException", "WarningNoWatermarkException",
            };
            Assert.Equal(expected, typeof(ExtensionException).Assembly.GetExportedTypes().Where(t => t.BaseType == typeof(ExtensionException)).Select(t => t.Name).OrderBy(n => n, StringComparer.Ordinal));
            Assert.Equal(typeof(ApplicationException), typeof(ExtensionException).BaseType);
            Assert.Equal("x", new ExtensionException("x").Message);
            Assert.Equal(typeof(ApplicationException), typeof(MetadirectoryServicesException).BaseType);
            Assert.Equal("y", new MetadirectoryServicesException("y", null).Message);
        }

        [Fact]
        public void NamedMetadirectoryServicesExceptionsKeepTheName()
        {
            Assert.Equal("mail", new NoSuchAttributeException("mail").AttributeName);
            Assert.Equal("TenantId", new NoSuchParameterException("TenantId").ParameterName);
            Assert.Equal("mail", new NoSuchAttributeInObjectTypeException("mail").AttributeName);
            Assert.Equal("mail", new AttributeDoesNotExistOnObjectException("mail").AttributeName);
            Assert.Equal("mail", new AttributeNotInInclusionListException("mail").AttributeName);
            Assert.Equal("mail", new AttributeNotPresentException("mail").AttributeName);
            Assert.Equal("mail", new AttributeNotDefinedAsSourceException("mail").AttributeName);
            Assert.Equal("mail", new TooManyValuesException("mail").AttributeName);
            Assert.Equal("person", new NoSuchClassException("person").ClassName);
            Assert.Equal("device", new NoSuchObjectTypeException("device").ObjectType);
            Assert.Equal("Graph", new NoSuchManagementAgentException("Graph").MAName);

            Exception inner = new Exception("inner");
            NoSuchAttributeException described = new NoSuchAttributeException("description", inner);
            Assert.Null(described.AttributeName);
            Assert.Equal("description", described.Message);
            Assert.Same(inner, described.InnerException);
            Assert.Null(new NoSuchAttributeException().AttributeName);
            Assert.Contains("mail", new NoSuchAttributeException("mail").Message, StringComparison.Ordinal);
        }

        [Fact]
        public void DnMetadirectoryServicesExceptionsKeepTheMANameAndLeaveDnNull()
        {
            NoCompatiblePartitionFoundException partition = new NoCompatiblePartitionFoundException("Graph", "CN=x", new[] { "user" }, "user");
            Assert.Equal(("Graph", "user"), (partition.MAName, partition.ObjectType));
            Assert.Equal(new[] { "user" }, partition.ObjectClasses);
            Assert.Null(partition.DN);
            Assert.Null(new NoCompatiblePartitionFoundException("text").MAName);
            Assert.Equal("text", new NoCompatiblePartitionFoundException("text").Message);

            Assert.Equal("Graph", new MissingParentObjectException("Graph", "CN=x").MAName);
            Assert.Equal("Graph", new ObjectAlreadyExistsException("Graph", "CN=x").MAName);
            Assert.Equal("Graph", new NoSuchObjectException("Graph", "CN=x").MAName);
            Assert.Null(new NoSuchObjectException("Graph", "CN=x").DN);
            Assert.Equal("gone", new NoSuchObjectException("gone").Message);

            Assert.Equal("DN attribute must have a value.", new InvalidDNException("DN attribute must have a value.").Message);
            Assert.Null(new InvalidDNException("DN attribute must have a value.").MAName);
            InvalidDNException formatted = new InvalidDNException("Graph", "bad dn", "{1} is not a DN in {0}");
            Assert.Equal(("Graph", "bad dn is not a DN in Graph"), (formatted.MAName, formatted.Message));
            Assert.Equal("Graph", new InvalidDNException("Graph", "bad").MAName);
            Assert.Null(new InvalidDNException("Graph", "bad").DN);
        }

        // ---- §13 Utils and MAUtils ----

        [Theory]
        [InlineData("s", AttributeType.String, true)]
        [InlineData("s", AttributeType.Reference, true)]
        [InlineData("s", AttributeType.Integer, false)]
        [InlineData((short)1, AttributeType.Integer, true)]
        [InlineData(1, AttributeType.Integer, true)]
        [InlineData(1L, AttributeType.Integer, true)]
        [InlineData(1L, AttributeType.String, false)]
        [InlineData(new byte[] { 1 }, AttributeType.Binary, true)]
        [InlineData(true, AttributeType.Boolean, true)]
        [InlineData(true, AttributeType.String, false)]
        [InlineData(1.5, AttributeType.Integer, false)]
        [InlineData(null, AttributeType.String, false)]
        [InlineData("s", AttributeType.Undefined, false)]
        public void IsTypeCompatibleGoesByRuntimeTypeName(object value, AttributeType type, bool compatible)
        {
            Assert.Equal(compatible, Utils.IsTypeCompatible(value, type));
        }

        [Theory]
        [InlineData(AttributeType.String, "String")]
        [InlineData(AttributeType.Reference, "String")]
        [InlineData(AttributeType.Integer, "Integer")]
        [InlineData(AttributeType.Binary, "Binary")]
        [InlineData(AttributeType.Boolean, "Boolean")]
        [InlineData(AttributeType.Undefined, null)]
        public void GetAttributeTypeNameMapsTheTypes(AttributeType type, string name)
        {
            Assert.Equal(name, Utils.GetAttributeTypeName(type));
        }

        [Fact]
        public void UtilsCreateAttributeChangeHasNoValuesAndNoChecks()
        {
            AttributeChange change = Utils.CreateAttributeChange("mail", AttributeModificationType.Delete);
            Assert.IsType<AttributeChangeDetached>(change);
            Assert.Equal(("mail", AttributeModificationType.Delete, AttributeType.Undefined, true), (change.Name, change.ModificationType, change.DataType, change.IsMultiValued));
            Assert.Empty(change.ValueChanges);
            Assert.Null(Utils.CreateAttributeChange(null, AttributeModificationType.Unconfigured).Name);
        }

        [Fact]
        public void SidHelpersRoundTrip()
        {
            const string text = "S-1-5-21-1004336348-1177238915-682003330-512";
            byte[] binary = Utils.ConvertStringToSid(text);
            Assert.Equal(28, binary.Length);
            Assert.Equal(new byte[] { 1, 5, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0 }, binary.Take(12).ToArray());
            Assert.Equal(text, Utils.ConvertSidToString(binary));
            Assert.Equal("S-1-1-0", Utils.ConvertSidToString(new byte[] { 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0 }));
            Assert.Throws<ArgumentNullException>(() => Utils.ConvertSidToString(null));
            Assert.Throws<ArgumentException>(() => Utils.ConvertStringToSid("not a sid"));
        }

        [Fact]
        public void BinaryHelpersCompareByContent()
        {
            Assert.Equal(0, Utils.BinaryCompare(new byte[] { 1, 2 }, new byte[] { 1, 2 }));
            Assert.True(Utils.BinaryCompare(new byte[] { 1, 2 }, new byte[] { 1, 3 }) < 0);
            Assert.True(Utils.BinaryCompare(new byte[] { 1, 2, 0 }, new byte[] { 1, 2 }) > 0);
            Assert.True(Utils.ContainsOverride(new ArrayList { "a", new byte[] { 1, 2 } }, new byte[] { 1, 2 }));
            Assert.True(Utils.ContainsOverride(new ArrayList { "a" }, "a"));
            Assert.False(Utils.ContainsOverride(new ArrayList { new byte[] { 1 } }, new byte[] { 2 }));
        }

        [Fact]
        public void WindowsOnlyAndEngineOnlyUtilsFailOutsideTheEngine()
        {
            Assert.Null(Utils.ExtensionsDirectory);
            Assert.Throws<PlatformNotSupportedException>(() => Utils.ConvertStringToSecurityDescriptor("O:BA"));
            Assert.Throws<PlatformNotSupportedException>(() => Utils.ConvertSecurityDescriptorToString(new byte[20]));
            AssertNotInEngine(() => Utils.MAs);
            AssertNotInEngine(() => Utils.TransactionProperties);
            AssertNotInEngine(() => Utils.GetAttributeType("mail", out AttributeType _, out bool _));
        }

        private static void AssertNullValue(Func<object> create, string attribute = "a")
        {
            InvalidOperationException e = Assert.Throws<InvalidOperationException>(create);
            Assert.Equal("The attribute " + attribute + " is assigned a null value", e.Message);
        }

        internal static void AssertNotInEngine(Action call)
        {
            InvalidOperationException e = Assert.Throws<InvalidOperationException>(call);
            Assert.Contains("only works inside MIM Sync", e.Message, StringComparison.Ordinal);
        }

        private static void AssertNotInEngine(Func<object> call)
        {
            AssertNotInEngine(() => { call(); });
        }

        private sealed class TestWriteImportFileRunStep : WriteImportFileRunStep
        {
            public TestWriteImportFileRunStep()
            {
            }

            public TestWriteImportFileRunStep(Partition partition, string customData)
                : base(partition, customData)
            {
            }

            public override string FilePath => "/tmp/in.xml";

            public override OperationType ImportType => OperationType.Delta;
        }

        private sealed class TestReadExportFileRunStep : ReadExportFileRunStep
        {
            public TestReadExportFileRunStep()
            {
            }

            public TestReadExportFileRunStep(Partition partition, OperationType exportType)
                : base(partition, exportType)
            {
            }

            public override string FilePath => "/tmp/out.xml";
        }

        private sealed class RecordingPasswordConnector : IMAExtensible2Password
        {
            public List<string> Calls { get; } = new List<string>();

            public void OpenPasswordConnection(KeyedCollection<string, ConfigParameter> configParameters, Partition partition) => Calls.Add("open " + partition.Name);

            public void ClosePasswordConnection() => Calls.Add("close");

            public ConnectionSecurityLevel GetConnectionSecurityLevel() => ConnectionSecurityLevel.Secure;

            public void SetPassword(CSEntry csentry, SecureString newPassword, PasswordOptions options) =>
                Calls.Add("set " + csentry["id"].Value + " " + options + " " + newPassword.Length);

            public void ChangePassword(CSEntry csentry, SecureString oldPassword, SecureString newPassword) => Calls.Add("change " + csentry["id"].Value);
        }
    }

    /// <summary>Engine-service statics read AppDomain data: run alone so no other test sees a half-set hook.</summary>
    [CollectionDefinition("Stand-in AppDomain hooks", DisableParallelization = true)]
    public sealed class StandInAppDomainHooks
    {
    }

    [Collection("Stand-in AppDomain hooks")]
    public class StandInEngineHookTests
    {
        private const string MAFolderKey = "Microsoft.MetadirectoryServices.MAFolder";

        [Fact]
        public void MAFolderComesFromAppDomainDataWhenATestSetsIt()
        {
            object previous = AppDomain.CurrentDomain.GetData(MAFolderKey);
            try
            {
                AppDomain.CurrentDomain.SetData(MAFolderKey, "/tmp/MaData/Graph");
                Assert.Equal("/tmp/MaData/Graph", MAUtils.MAFolder);
            }
            finally
            {
                AppDomain.CurrentDomain.SetData(MAFolderKey, previous);
            }
        }

        [Fact]
        public void MAFolderThrowsOutsideMimSyncWhenNoTestSetIt()
        {
            object previous = AppDomain.CurrentDomain.GetData(MAFolderKey);
            try
            {
                AppDomain.CurrentDomain.SetData(MAFolderKey, null);
                StandInBehaviourTests.AssertNotInEngine(() => { _ = MAUtils.MAFolder; });
            }
            finally
            {
                AppDomain.CurrentDomain.SetData(MAFolderKey, previous);
            }
        }

        [Fact]
        public void WorkingDirectoryAndPreviewModeUseTheSameKindOfHook()
        {
            const string WorkingKey = "Microsoft.MetadirectoryServices.WorkingDirectory";
            const string PreviewKey = "Microsoft.MetadirectoryServices.InPreviewMode";
            object working = AppDomain.CurrentDomain.GetData(WorkingKey);
            object preview = AppDomain.CurrentDomain.GetData(PreviewKey);
            try
            {
                AppDomain.CurrentDomain.SetData(WorkingKey, null);
                AppDomain.CurrentDomain.SetData(PreviewKey, null);
                StandInBehaviourTests.AssertNotInEngine(() => { _ = Utils.WorkingDirectory; });
                StandInBehaviourTests.AssertNotInEngine(() => { _ = Utils.InPreviewMode; });
                AppDomain.CurrentDomain.SetData(WorkingKey, "/tmp/work");
                AppDomain.CurrentDomain.SetData(PreviewKey, true);
                Assert.Equal("/tmp/work", Utils.WorkingDirectory);
                Assert.True(Utils.InPreviewMode);
            }
            finally
            {
                AppDomain.CurrentDomain.SetData(WorkingKey, working);
                AppDomain.CurrentDomain.SetData(PreviewKey, preview);
            }
        }
    }
}
