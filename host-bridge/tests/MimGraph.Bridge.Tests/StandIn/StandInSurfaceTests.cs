#nullable disable
// Written against the stand-in, which predates nullable reference types (Nullable is disabled there too).

using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.MetadirectoryServices;
using Xunit;

namespace MimGraph.Bridge.Tests.StandIn
{
    /// <summary>The stand-in's public surface against Appendix A (and §2–§14) of ../shared/docs/ecma2-api.md.</summary>
    public class StandInSurfaceTests
    {
        private static readonly Assembly StandIn = typeof(MACapabilities).Assembly;

        [Fact]
        public void AppendixAIsReadable()
        {
            List<DocType> types = AppendixA.Types;
            Assert.True(types.Count >= 100, "Appendix A parsed into only " + types.Count + " types");
            Assert.Contains(types, t => t.Name == "MACapabilities" && t.Members.Count == 18);
            Assert.Contains(types, t => t.Name == "CSEntryChangeDetached" && t.Namespace == "Microsoft.MetadirectoryServices.DetachedObjectModel");
            Assert.Contains(types, t => t.Name == "MAExportError" && t.EnumValues.Count == 27);
            Assert.Equal(types.Count, types.Select(t => t.Name).Distinct().Count());
        }

        [Fact]
        public void AppendixATypesHaveTheListedKindBaseNamespaceAndSerializable()
        {
            List<string> differences = new List<string>();
            foreach (DocType doc in AppendixA.Types)
            {
                Type t = StandIn.GetType(doc.Namespace + "." + doc.Name);
                if (t == null)
                {
                    Type elsewhere = StandIn.GetTypes().FirstOrDefault(x => x.Name == doc.Name);
                    differences.Add(doc.Name + ": missing from " + doc.Namespace + (elsewhere == null ? string.Empty : " (found in " + elsewhere.Namespace + ")"));
                    continue;
                }

                if (!t.IsPublic)
                {
                    differences.Add(doc.Name + ": not public");
                }

                string kind = t.IsInterface ? "interface" : t.IsEnum ? "enum" : t.IsClass ? "class" : "struct";
                if (kind != doc.Kind)
                {
                    differences.Add(doc.Name + ": is a " + kind + ", listed as " + doc.Kind);
                }

                if (doc.Kind == "class")
                {
                    bool isStatic = t.IsAbstract && t.IsSealed;
                    if (isStatic != doc.IsStatic || (!isStatic && (t.IsAbstract != doc.IsAbstract || t.IsSealed != doc.IsSealed)))
                    {
                        differences.Add(doc.Name + ": abstract=" + t.IsAbstract + " sealed=" + t.IsSealed + ", listed static=" + doc.IsStatic + " abstract=" + doc.IsAbstract + " sealed=" + doc.IsSealed);
                    }

                    List<string> interfaces = doc.Bases.Where(b => IsInterfaceName(b)).ToList();
                    string expectedBase = doc.Bases.FirstOrDefault(b => !IsInterfaceName(b)) ?? "object";
                    string actualBase = AppendixA.Render(t.BaseType);
                    if (actualBase != expectedBase)
                    {
                        differences.Add(doc.Name + ": base type " + actualBase + ", listed " + expectedBase);
                    }

                    foreach (string iface in interfaces)
                    {
                        if (!t.GetInterfaces().Any(i => AppendixA.Render(i) == iface))
                        {
                            differences.Add(doc.Name + ": does not implement " + iface);
                        }
                    }
                }

                if (doc.Kind == "interface" && t.GetInterfaces().Length != 0)
                {
                    differences.Add(doc.Name + ": inherits " + string.Join(", ", t.GetInterfaces().Select(AppendixA.Render)) + " (none listed)");
                }

#pragma warning disable SYSLIB0050 // the metadata flag [Serializable] sets; Type.IsSerializable is always true for enums
                bool serializable = (t.Attributes & TypeAttributes.Serializable) != 0;
#pragma warning restore SYSLIB0050
                if (serializable != doc.IsSerializable)
                {
                    differences.Add(doc.Name + ": [Serializable] " + (serializable ? "present" : "absent") + ", listed " + (doc.IsSerializable ? "present" : "absent"));
                }
            }

            Assert.True(differences.Count == 0, "Type differences against Appendix A:\n" + string.Join("\n", differences));
        }

        [Fact]
        public void AppendixAMembersAllExistWithTheListedShape()
        {
            List<string> differences = new List<string>();
            foreach (DocType doc in AppendixA.Types.Where(d => d.Kind != "enum"))
            {
                Type t = StandIn.GetType(doc.Namespace + "." + doc.Name);
                if (t == null)
                {
                    differences.Add(doc.Name + ": type missing");
                    continue;
                }

                List<string> actual = AppendixA.Reflect(t);
                foreach (string member in doc.Members.Where(m => !actual.Contains(m)))
                {
                    string near = actual.FirstOrDefault(a => SameName(a, member));
                    differences.Add(doc.Name + ": missing `" + member + "`" + (near == null ? string.Empty : " (stand-in has `" + near + "`)"));
                }
            }

            Assert.True(differences.Count == 0, "Members listed in Appendix A but not found as listed:\n" + string.Join("\n", differences));
        }

        [Fact]
        public void AppendixATypesHaveNoExtraPublicOrProtectedMembers()
        {
            List<string> differences = new List<string>();
            foreach (DocType doc in AppendixA.Types.Where(d => d.Kind != "enum"))
            {
                Type t = StandIn.GetType(doc.Namespace + "." + doc.Name);
                if (t == null)
                {
                    continue;
                }

                foreach (string member in AppendixA.Reflect(t).Where(m => !doc.Members.Contains(m)))
                {
                    differences.Add(doc.Name + ": extra `" + member + "`");
                }
            }

            Assert.True(differences.Count == 0, "Members of the stand-in not listed in Appendix A:\n" + string.Join("\n", differences));
        }

        [Fact]
        public void AppendixAEnumsHaveExactlyTheListedMembersAndValues()
        {
            List<string> differences = new List<string>();
            foreach (DocType doc in AppendixA.Types.Where(d => d.Kind == "enum"))
            {
                Type t = StandIn.GetType(doc.Namespace + "." + doc.Name);
                if (t == null || !t.IsEnum)
                {
                    differences.Add(doc.Name + ": enum missing");
                    continue;
                }

                if (Enum.GetUnderlyingType(t) != typeof(int))
                {
                    differences.Add(doc.Name + ": underlying type " + Enum.GetUnderlyingType(t).Name);
                }

                Dictionary<string, long> actual = Enum.GetNames(t).ToDictionary(n => n, n => Convert.ToInt64(Enum.Parse(t, n), System.Globalization.CultureInfo.InvariantCulture));
                foreach (KeyValuePair<string, long> listed in doc.EnumValues)
                {
                    long value;
                    if (!actual.TryGetValue(listed.Key, out value))
                    {
                        differences.Add(doc.Name + "." + listed.Key + ": missing");
                    }
                    else if (value != listed.Value)
                    {
                        differences.Add(doc.Name + "." + listed.Key + " = " + value + ", listed " + listed.Value);
                    }
                }

                foreach (string extra in actual.Keys.Where(n => !doc.EnumValues.ContainsKey(n)))
                {
                    differences.Add(doc.Name + "." + extra + ": not listed");
                }
            }

            Assert.True(differences.Count == 0, "Enum differences against Appendix A:\n" + string.Join("\n", differences));
        }

        [Fact]
        public void FlagsOnlyOnMANormalizationsAndPasswordOptions()
        {
            string[] flagged = StandIn.GetTypes().Where(t => t.IsEnum && t.IsDefined(typeof(FlagsAttribute), false)).Select(t => t.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray();
            Assert.Equal(new[] { "MANormalizations", "PasswordOptions" }, flagged);
        }

        [Fact]
        public void PublicTypesLiveInTheTwoNamespaces()
        {
            string[] namespaces = StandIn.GetExportedTypes().Select(t => t.Namespace).Distinct().OrderBy(n => n, StringComparer.Ordinal).ToArray();
            Assert.Equal(new[] { "Microsoft.MetadirectoryServices", "Microsoft.MetadirectoryServices.DetachedObjectModel" }, namespaces);
        }

        [Fact]
        public void AssemblyIsNotClsCompliantAndNotComVisible()
        {
            Assert.False(StandIn.GetCustomAttribute<CLSCompliantAttribute>().IsCompliant);
            Assert.False(StandIn.GetCustomAttribute<ComVisibleAttribute>().Value);
            Assert.Equal(new Version(4, 1, 4, 0), StandIn.GetName().Version);
            Assert.Equal("Microsoft.MetadirectoryServicesEx", StandIn.GetName().Name);
        }

        [Fact]
        public void EveryAbstractClassHasAProtectedParameterlessConstructor()
        {
            List<string> missing = new List<string>();
            foreach (Type t in StandIn.GetExportedTypes().Where(t => t.IsClass && t.IsAbstract && !t.IsSealed))
            {
                ConstructorInfo ctor = t.GetConstructor(BindingFlags.Instance | BindingFlags.NonPublic, null, Type.EmptyTypes, null);
                if (ctor == null || !ctor.IsFamily)
                {
                    missing.Add(t.FullName);
                }

                if (t.GetConstructors().Length != 0)
                {
                    missing.Add(t.FullName + " (has a public constructor)");
                }
            }

            Assert.True(missing.Count == 0, "Abstract classes without a protected parameterless constructor:\n" + string.Join("\n", missing));
        }

        [Fact]
        public void EngineOnlyConstructorsAreHiddenFromIntelliSense()
        {
            List<MemberInfo> hidden = new List<MemberInfo>
            {
                typeof(ValueChange).GetConstructor(new[] { typeof(object), typeof(ValueModificationType) }),
                typeof(ConfigParameterDefinition).GetConstructor(Type.EmptyTypes),
                typeof(GetImportEntriesResults).GetConstructor(Type.EmptyTypes),
                typeof(OpenImportConnectionRunStep).GetConstructor(Type.EmptyTypes),
                typeof(GetImportEntriesRunStep).GetConstructor(Type.EmptyTypes),
                typeof(CloseImportConnectionRunStep).GetConstructor(Type.EmptyTypes),
                typeof(OpenExportConnectionRunStep).GetConstructor(Type.EmptyTypes),
                typeof(CloseExportConnectionRunStep).GetConstructor(Type.EmptyTypes),
                typeof(UtilsServices),
                typeof(MAUtilsServices),
            };
            hidden.AddRange(typeof(ConfigParameter).GetConstructors());
            foreach (Type t in new[] { typeof(CSEntryChange), typeof(AttributeChange), typeof(AnchorAttribute), typeof(CSEntryChangeResult), typeof(CSEntry), typeof(ValueCollection), typeof(ManagementAgent) })
            {
                hidden.Add(t.GetConstructor(BindingFlags.Instance | BindingFlags.NonPublic, null, Type.EmptyTypes, null));
            }

            foreach (MemberInfo member in hidden)
            {
                Assert.NotNull(member);
                EditorBrowsableAttribute browsable = member.GetCustomAttribute<EditorBrowsableAttribute>();
                Assert.True(browsable != null && browsable.State == EditorBrowsableState.Never, member.DeclaringType + "." + member.Name + " lacks EditorBrowsable(Never)");
            }
        }

        [Fact]
        public void IndexersAreTheDefaultMemberItem()
        {
            foreach (Type t in new[] { typeof(CSEntry), typeof(ValueCollection), typeof(ReferenceValue) })
            {
                Assert.Equal("Item", t.GetCustomAttribute<DefaultMemberAttribute>().MemberName);
            }

            Assert.True(typeof(ManagementAgent).GetMethod("EscapeDNComponent", new[] { typeof(string[]) }).GetParameters()[0].IsDefined(typeof(ParamArrayAttribute)));
            Assert.True(typeof(ManagementAgent).GetMethod("EscapeDNComponent", new[] { typeof(Value[]) }).GetParameters()[0].IsDefined(typeof(ParamArrayAttribute)));
        }

        [Fact]
        public void NamesThatDoNotExistInTheRealAssemblyAreAbsent()
        {
            foreach (string name in new[] { "ImportType", "ConfigParameterScope", "MAConnectionSecurityLevel" })
            {
                Assert.Null(StandIn.GetType("Microsoft.MetadirectoryServices." + name));
            }

            Assert.Null(typeof(SchemaType).GetProperty("ObjectClassAttributes"));
            Assert.Null(typeof(CSEntryChange).GetProperty("ObjectClass"));
            Assert.Null(typeof(CSEntryChange).GetProperty("Anchor"));
            Assert.Null(typeof(CSEntryChange).GetProperty("Identifier").SetMethod);
            Assert.Empty(typeof(CSEntryChange).GetConstructors());
            Assert.Null(typeof(GetImportEntriesResults).GetProperty("CustomData", BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly));
            Assert.Null(typeof(PutExportEntriesResults).GetMethod("Add"));
            Assert.Null(typeof(ValueChange).GetMethod("CreateValueReplace"));
            Assert.DoesNotContain(
                typeof(AttributeChange).GetMethods().Where(m => m.Name == "CreateAttributeUpdate"),
                m => m.GetParameters()[1].ParameterType == typeof(IList<object>));
            Assert.False(Enum.IsDefined(typeof(MAExportError), 27));
            foreach (string factory in new[] { "CreatePasswordParameter", "CreateMultilineParameter", "CreateIntegerParameter" })
            {
                Assert.Null(typeof(ConfigParameterDefinition).GetMethod(factory));
            }
        }

        [Fact]
        public void Ecma2InterfacesHaveTheSection3Shapes()
        {
            Type[] interfaces = StandIn.GetExportedTypes().Where(t => t.IsInterface && t.Name.StartsWith("IMAExtensible2", StringComparison.Ordinal)).ToArray();
            Assert.Equal(
                new[] { "IMAExtensible2CallExport", "IMAExtensible2CallImport", "IMAExtensible2FileExport", "IMAExtensible2FileImport", "IMAExtensible2GetCapabilities", "IMAExtensible2GetCapabilitiesEx", "IMAExtensible2GetHierarchy", "IMAExtensible2GetParameters", "IMAExtensible2GetParametersEx", "IMAExtensible2GetPartitions", "IMAExtensible2GetSchema", "IMAExtensible2Password" },
                interfaces.Select(t => t.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray());
            Assert.All(interfaces, t => Assert.Empty(t.GetInterfaces()));
        }

        [Fact]
        public void UtilsAndMAUtilsHaveTheSection13Shapes()
        {
            Assert.True(typeof(Utils).IsAbstract && !typeof(Utils).IsSealed);
            Assert.True(typeof(MAUtils).IsAbstract && !typeof(MAUtils).IsSealed);
            string[] expected =
            {
                "public static CSEntryChange CreateCSEntryChange()",
                "public static CSEntryChangeResult CreateCSEntryChangeResult(Guid identifier, IList<AttributeChange> attributeChanges, MAExportError errorCode)",
                "public static CSEntryChangeResult CreateCSEntryChangeResult(Guid identifier, IList<AttributeChange> attributeChanges, MAExportError errorCode, string errorName, string errorDetail)",
                "public static KeyedCollection<Guid,CSEntryChangeResult> CreateCSEntryChangeResultCollection()",
                "public static AnchorAttribute CreateAnchorAttribute(string attributeName, object value)",
                "public static AttributeChange CreateAttributeChange(string attributeChange, AttributeModificationType attributeModificationType)",
                "public static bool IsTypeCompatible(object attributeValue, AttributeType attributeType)",
                "public static string GetAttributeTypeName(AttributeType attributeType)",
                "public static string ExtensionsDirectory { get; }",
                "public static string WorkingDirectory { get; }",
                "public static bool InPreviewMode { get; }",
                "public static ManagementAgentCollection MAs { get; }",
                "public static TransactionPropertyCollection TransactionProperties { get; }",
                "public static void GetAttributeType(string attributeName, out AttributeType type, out bool isMultivalued)",
                "public static string ConvertSidToString(byte[] sid)",
                "public static byte[] ConvertStringToSid(string textSid)",
                "public static byte[] ConvertStringToSecurityDescriptor(string sddl)",
                "public static string ConvertSecurityDescriptorToString(byte[] sd)",
                "public static int BinaryCompare(byte[] rgb1, byte[] rgb2)",
                "public static bool ContainsOverride(ArrayList arraylist, object val)",
                "protected .ctor()",
            };
            List<string> actual = AppendixA.Reflect(typeof(Utils));
            Assert.Empty(expected.Except(actual));
            Assert.Empty(actual.Except(expected));
            Assert.Equal(new[] { "protected .ctor()", "public static string MAFolder { get; }" }, AppendixA.Reflect(typeof(MAUtils)).OrderBy(s => s, StringComparer.Ordinal).ToArray());
        }

        [Fact]
        public void Ecma1AndRulesExtensionTypesHaveTheSection14Shapes()
        {
            Assert.Equal(
                new[] { "void GenerateImportFile(string fileName, string connectTo, string user, string password, ConfigParameterCollection configParameters, bool fFullImport, TypeDescriptionCollection types, ref string customData)" },
                AppendixA.Reflect(typeof(IMAExtensibleFileImport)));
            Assert.Equal(
                new[] { "void DeliverExportFile(string fileName, string connectTo, string user, string password, ConfigParameterCollection configParameters, TypeDescriptionCollection types)" },
                AppendixA.Reflect(typeof(IMAExtensibleFileExport)));
            Assert.Equal(
                new[]
                {
                    "void BeginExport(string connectTo, string user, string password, ConfigParameterCollection configParameters, TypeDescriptionCollection types)",
                    "void EndExport()",
                    "void ExportEntry(ModificationType modificationType, string[] changedAttributes, CSEntry csentry)",
                },
                AppendixA.Reflect(typeof(IMAExtensibleCallExport)).OrderBy(s => s, StringComparer.Ordinal).ToArray());
            Assert.Equal(
                new[]
                {
                    "ConnectionSecurityLevel GetConnectionSecurityLevel()",
                    "void BeginConnectionToServer(string connectTo, string user, string password)",
                    "void ChangePassword(CSEntry csentry, string OldPassword, string NewPassword)",
                    "void EndConnectionToServer()",
                    "void RequireChangePasswordOnNextLogin(CSEntry csentry, bool fRequireChangePasswordOnNextLogin)",
                    "void SetPassword(CSEntry csentry, string NewPassword)",
                },
                AppendixA.Reflect(typeof(IMAPasswordManagement)).OrderBy(s => s, StringComparer.Ordinal).ToArray());
            Assert.Equal(new[] { 0, 1, 2 }, Enum.GetValues(typeof(ModificationType)).Cast<int>().ToArray());
            Assert.Equal(new[] { "Add", "Replace", "Delete" }, Enum.GetNames(typeof(ModificationType)));
            Assert.Equal(new[] { "None", "MultiValued", "Encrypted", "ExportOnly" }, Enum.GetNames(typeof(AttribFlags)));
            Assert.Equal(new[] { 0, 1, 2, 4 }, Enum.GetValues(typeof(AttribFlags)).Cast<int>().ToArray());
            Assert.Equal(new[] { "Disconnect", "ExplicitDisconnect", "Delete" }, Enum.GetNames(typeof(DeprovisionAction)));
            Assert.Equal(new[] { 1, 2, 3 }, Enum.GetValues(typeof(DeprovisionAction)).Cast<int>().ToArray());
            foreach (string name in new[]
            {
                "ConfigParameterCollection", "ConfigParameterEnumerator", "TypeDescription", "TypeDescriptionCollection", "TypeDescriptionEnumerator",
                "AttributeDescription", "AttributeDescriptionCollection", "AttributeDescriptionEnumerator", "MVEntry", "ConnectedMACollection",
                "ConnectedMACollectionEnumerator", "ConnectorCollection", "ConnectorCollectionByDN", "ConnectorCollectionByIndex",
                "ConnectorCollectionEnumerator", "ManagementAgentCollection", "ManagementAgentEnumerator", "TransactionPropertyCollection",
                "UtilsServices", "MAUtilsServices", "ConnectedMA",
            })
            {
                Type t = StandIn.GetType("Microsoft.MetadirectoryServices." + name);
                Assert.True(t != null && t.IsAbstract && !t.IsSealed, name + " should be a public abstract class");
            }

            Assert.Equal(typeof(ManagementAgent), typeof(ConnectedMA).BaseType);
            Assert.False(typeof(ExchangeUtils).IsAbstract || typeof(ExchangeUtils).IsSealed);
            Assert.NotNull(typeof(ExchangeUtils).GetConstructor(Type.EmptyTypes));
            Assert.Equal(typeof(ConnectorCollection), typeof(ConnectedMA).GetProperty("Connectors").PropertyType);
        }

        private static bool IsInterfaceName(string name)
        {
            return name.Length > 1 && name[0] == 'I' && char.IsUpper(name[1]);
        }

        private static bool SameName(string actual, string listed)
        {
            return MemberName(actual) == MemberName(listed);
        }

        private static string MemberName(string signature)
        {
            string head = signature.Split('(', '{', '[')[0].Trim();
            return head.Substring(head.LastIndexOf(' ') + 1);
        }
    }
}
