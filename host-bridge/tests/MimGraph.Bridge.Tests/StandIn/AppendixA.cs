#nullable disable
// Written against the stand-in, which predates nullable reference types (Nullable is disabled there too).

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace MimGraph.Bridge.Tests.StandIn
{
    /// <summary>One type of the Appendix A metadata listing of ecma2-api.md.</summary>
    internal sealed class DocType
    {
        public string Name { get; set; }

        public string Namespace { get; set; }

        public string Kind { get; set; }

        public bool IsStatic { get; set; }

        public bool IsAbstract { get; set; }

        public bool IsSealed { get; set; }

        public bool IsSerializable { get; set; }

        public List<string> Bases { get; } = new List<string>();

        public List<string> Members { get; } = new List<string>();

        public Dictionary<string, long> EnumValues { get; } = new Dictionary<string, long>(StringComparer.Ordinal);

        public int Line { get; set; }
    }

    /// <summary>
    /// Parses the Appendix A code block into normalised member signatures, and renders reflected members in
    /// the same normal form: "{access}[ static][ abstract][ virtual][ override] {type} {name}({type name, ...})",
    /// ".ctor(...)" for constructors, "{type} {name}[params] {get; set;}" for properties (indexers are "this"),
    /// "const {type} {name} = {value}" for constants. Interface members carry no access or modifiers.
    /// </summary>
    internal static class AppendixA
    {
        public const string DefaultNamespace = "Microsoft.MetadirectoryServices";

        private static readonly string[] ModifierWords = { "public", "protected", "internal", "private", "static", "abstract", "virtual", "override", "sealed", "new", "readonly" };

        private static readonly Regex TypeHeader = new Regex(
            @"^(?<ser>\[Serializable\]\s+)?public\s+(?<mods>(?:(?:static|abstract|sealed)\s+)*)(?<kind>class|interface|enum)\s+(?<name>\w+)(?:\s*:\s*(?<bases>[^/]+?))?\s*(?://(?<comment>.*))?$",
            RegexOptions.CultureInvariant);

        private static readonly Regex EnumMember = new Regex(@"^(?<name>\w+)\s*=\s*(?<value>-?\d+)$", RegexOptions.CultureInvariant);

        private static readonly Dictionary<string, string> Aliases = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            { "String", "string" }, { "Int32", "int" }, { "Int64", "long" }, { "Int16", "short" }, { "Boolean", "bool" },
            { "Object", "object" }, { "Byte", "byte" }, { "Void", "void" }, { "Double", "double" }, { "Char", "char" },
            { "UInt32", "uint" }, { "UInt64", "ulong" }, { "Single", "float" }, { "Decimal", "decimal" },
        };

        private static List<DocType> cached;

        public static List<DocType> Types
        {
            get
            {
                if (cached == null)
                {
                    cached = Parse(File.ReadAllLines(RepoPaths.ApiDoc));
                }

                return cached;
            }
        }

        public static List<DocType> Parse(string[] lines)
        {
            int heading = Array.FindIndex(lines, l => l.StartsWith("## Appendix A", StringComparison.Ordinal));
            if (heading < 0)
            {
                throw new InvalidDataException("ecma2-api.md has no \"## Appendix A\" heading");
            }

            int open = Array.FindIndex(lines, heading, l => l.TrimStart().StartsWith("```", StringComparison.Ordinal));
            int close = Array.FindIndex(lines, open + 1, l => l.TrimStart().StartsWith("```", StringComparison.Ordinal));
            if (open < 0 || close < 0)
            {
                throw new InvalidDataException("Appendix A has no complete code block");
            }

            List<DocType> types = new List<DocType>();
            DocType current = null;
            for (int i = open + 1; i < close; i++)
            {
                string raw = lines[i];
                if (raw.Trim().Length == 0)
                {
                    current = null;
                    continue;
                }

                if (!char.IsWhiteSpace(raw[0]))
                {
                    Match header = TypeHeader.Match(raw.Trim());
                    if (!header.Success)
                    {
                        throw new InvalidDataException("Appendix A line " + (i + 1) + " is not a type header: " + raw);
                    }

                    current = new DocType
                    {
                        Name = header.Groups["name"].Value,
                        Kind = header.Groups["kind"].Value,
                        IsSerializable = header.Groups["ser"].Success,
                        Namespace = DefaultNamespace,
                        Line = i + 1,
                    };
                    string mods = header.Groups["mods"].Value;
                    current.IsStatic = Regex.IsMatch(mods, @"\bstatic\b");
                    current.IsAbstract = Regex.IsMatch(mods, @"\babstract\b");
                    current.IsSealed = Regex.IsMatch(mods, @"\bsealed\b");
                    if (header.Groups["bases"].Success)
                    {
                        current.Bases.AddRange(SplitTopLevel(header.Groups["bases"].Value).Select(NormaliseType));
                    }

                    Match ns = Regex.Match(header.Groups["comment"].Value, @"namespace\s+(?<ns>[\w.]+)");
                    if (ns.Success)
                    {
                        current.Namespace = ns.Groups["ns"].Value;
                    }

                    types.Add(current);
                    continue;
                }

                if (current == null)
                {
                    throw new InvalidDataException("Appendix A line " + (i + 1) + " is a member outside a type: " + raw);
                }

                string line = StripComment(raw).Trim();
                if (current.Kind == "enum")
                {
                    Match member = EnumMember.Match(line);
                    if (!member.Success)
                    {
                        throw new InvalidDataException("Appendix A line " + (i + 1) + " is not an enum member: " + raw);
                    }

                    current.EnumValues.Add(member.Groups["name"].Value, long.Parse(member.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture));
                    continue;
                }

                current.Members.Add(ParseMember(current, line, i + 1));
            }

            foreach (DocType type in types)
            {
                // "Every abstract class has a protected parameterless constructor even where not listed."
                if (type.Kind == "class" && type.IsAbstract && !type.IsStatic && !type.Members.Contains("protected .ctor()") && !type.Members.Contains("public .ctor()"))
                {
                    type.Members.Add("protected .ctor()");
                }
            }

            return types;
        }

        public static string NormaliseType(string type)
        {
            string t = type.Trim();
            string prefix = string.Empty;
            foreach (string byRef in new[] { "ref ", "out " })
            {
                if (t.StartsWith(byRef, StringComparison.Ordinal))
                {
                    prefix = byRef;
                    t = t.Substring(byRef.Length);
                }
            }

            if (t.StartsWith("params ", StringComparison.Ordinal))
            {
                t = t.Substring("params ".Length);
            }

            t = Regex.Replace(t, @"\s+", string.Empty);
            t = Regex.Replace(t, @"[A-Za-z_][\w.]*", m =>
            {
                string word = m.Value;
                int dot = word.LastIndexOf('.');
                if (dot >= 0)
                {
                    word = word.Substring(dot + 1);
                }

                string alias;
                return Aliases.TryGetValue(word, out alias) ? alias : word;
            });
            return prefix + t;
        }

        public static string Render(Type t)
        {
            if (t.IsByRef)
            {
                return "ref " + Render(t.GetElementType());
            }

            if (t.IsArray)
            {
                return Render(t.GetElementType()) + "[" + new string(',', t.GetArrayRank() - 1) + "]";
            }

            if (t.IsGenericType)
            {
                string name = t.Name.Substring(0, t.Name.IndexOf('`'));
                return name + "<" + string.Join(",", t.GetGenericArguments().Select(Render)) + ">";
            }

            string alias;
            return Aliases.TryGetValue(t.Name, out alias) && t.Namespace == "System" ? alias : t.Name;
        }

        /// <summary>Normalised signatures of every public or protected member declared by t.</summary>
        public static List<string> Reflect(Type t)
        {
            const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            List<string> members = new List<string>();
            bool iface = t.IsInterface;
            foreach (ConstructorInfo ctor in t.GetConstructors(All).Where(c => !c.IsStatic && Visible(c)))
            {
                members.Add(Access(ctor) + " .ctor(" + Parameters(ctor.GetParameters()) + ")");
            }

            foreach (MethodInfo method in t.GetMethods(All).Where(m => Visible(m) && !m.IsSpecialName))
            {
                members.Add(Prefix(method, iface) + Render(method.ReturnType) + " " + method.Name + "(" + Parameters(method.GetParameters()) + ")");
            }

            foreach (PropertyInfo property in t.GetProperties(All))
            {
                MethodInfo[] accessors = property.GetAccessors(true).Where(Visible).ToArray();
                if (accessors.Length == 0)
                {
                    continue;
                }

                MethodInfo getter = property.GetGetMethod(true);
                MethodInfo setter = property.GetSetMethod(true);
                ParameterInfo[] index = property.GetIndexParameters();
                string name = index.Length > 0 ? "this[" + Parameters(index) + "]" : property.Name;
                string acc = (getter != null && Visible(getter) ? "get; " : string.Empty) + (setter != null && Visible(setter) ? "set; " : string.Empty);
                members.Add(Prefix(accessors[0], iface) + Render(property.PropertyType) + " " + name + " { " + acc + "}");
            }

            foreach (FieldInfo field in t.GetFields(All).Where(f => (f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly) && !f.IsSpecialName))
            {
                if (t.IsEnum)
                {
                    continue;
                }

                string value = field.IsLiteral ? " = " + Literal(field.GetRawConstantValue()) : string.Empty;
                members.Add((field.IsPublic ? "public" : "protected") + (field.IsLiteral ? " const" : field.IsStatic ? " static" : string.Empty) + " " + Render(field.FieldType) + " " + field.Name + value);
            }

            foreach (EventInfo evt in t.GetEvents(All))
            {
                members.Add("event " + Render(evt.EventHandlerType) + " " + evt.Name);
            }

            foreach (Type nested in t.GetNestedTypes(BindingFlags.Public | BindingFlags.NonPublic).Where(n => n.IsNestedPublic || n.IsNestedFamily || n.IsNestedFamORAssem))
            {
                members.Add("nested type " + nested.Name);
            }

            return members;
        }

        private static string ParseMember(DocType type, string line, int lineNumber)
        {
            bool iface = type.Kind == "interface";
            List<string> words = new List<string>();
            string rest = line;
            while (true)
            {
                Match word = Regex.Match(rest, @"^(?<w>\w+)\s+");
                if (!word.Success || !ModifierWords.Contains(word.Groups["w"].Value) && word.Groups["w"].Value != "const")
                {
                    break;
                }

                words.Add(word.Groups["w"].Value);
                rest = rest.Substring(word.Length);
            }

            string access = words.Contains("protected") ? "protected" : "public";
            if (words.Contains("const"))
            {
                Match constant = Regex.Match(rest, @"^(?<type>.+?)\s+(?<name>\w+)\s*=\s*(?<value>.+)$");
                if (!constant.Success)
                {
                    throw new InvalidDataException("Appendix A line " + lineNumber + ": unreadable constant: " + line);
                }

                return access + " const " + NormaliseType(constant.Groups["type"].Value) + " " + constant.Groups["name"].Value + " = " + constant.Groups["value"].Value.Trim();
            }

            string prefix = iface ? string.Empty : Modifiers(access, words.Contains("static"), words.Contains("abstract"), words.Contains("virtual"), words.Contains("override"));
            int brace = rest.IndexOf('{');
            if (brace >= 0)
            {
                string head = rest.Substring(0, brace).Trim();
                string body = rest.Substring(brace + 1, rest.LastIndexOf('}') - brace - 1);
                string acc = (Regex.IsMatch(body, @"\bget\s*;") ? "get; " : string.Empty) + (Regex.IsMatch(body, @"\bset\s*;") ? "set; " : string.Empty);
                int indexer = head.IndexOf("this[", StringComparison.Ordinal);
                if (indexer >= 0)
                {
                    string indexType = NormaliseType(head.Substring(0, indexer));
                    string parameters = head.Substring(indexer + 5, head.LastIndexOf(']') - indexer - 5);
                    return prefix + indexType + " this[" + DocParameters(parameters) + "] { " + acc + "}";
                }

                Match property = Regex.Match(head, @"^(?<type>.+?)\s+(?<name>\w+)$");
                if (!property.Success)
                {
                    throw new InvalidDataException("Appendix A line " + lineNumber + ": unreadable property: " + line);
                }

                return prefix + NormaliseType(property.Groups["type"].Value) + " " + property.Groups["name"].Value + " { " + acc + "}";
            }

            int paren = rest.IndexOf('(');
            if (paren < 0)
            {
                throw new InvalidDataException("Appendix A line " + lineNumber + ": unreadable member: " + line);
            }

            string signatureHead = rest.Substring(0, paren).Trim();
            string parameterList = rest.Substring(paren + 1, rest.LastIndexOf(')') - paren - 1);
            if (signatureHead == type.Name)
            {
                return access + " .ctor(" + DocParameters(parameterList) + ")";
            }

            Match method = Regex.Match(signatureHead, @"^(?<type>.+?)\s+(?<name>\w+)$");
            if (!method.Success)
            {
                throw new InvalidDataException("Appendix A line " + lineNumber + ": unreadable method: " + line);
            }

            return prefix + NormaliseType(method.Groups["type"].Value) + " " + method.Groups["name"].Value + "(" + DocParameters(parameterList) + ")";
        }

        private static string DocParameters(string list)
        {
            List<string> rendered = new List<string>();
            foreach (string parameter in SplitTopLevel(list))
            {
                Match p = Regex.Match(parameter.Trim(), @"^(?<type>.+?)\s+(?<name>\w+)$");
                if (!p.Success)
                {
                    throw new InvalidDataException("Unreadable parameter: " + parameter);
                }

                rendered.Add(NormaliseType(p.Groups["type"].Value) + " " + p.Groups["name"].Value);
            }

            return string.Join(", ", rendered);
        }

        private static List<string> SplitTopLevel(string list)
        {
            List<string> parts = new List<string>();
            int depth = 0;
            StringBuilder current = new StringBuilder();
            foreach (char c in list)
            {
                if (c == '<' || c == '[')
                {
                    depth++;
                }
                else if (c == '>' || c == ']')
                {
                    depth--;
                }

                if (c == ',' && depth == 0)
                {
                    parts.Add(current.ToString());
                    current.Length = 0;
                    continue;
                }

                current.Append(c);
            }

            if (current.ToString().Trim().Length > 0)
            {
                parts.Add(current.ToString());
            }

            return parts;
        }

        private static string StripComment(string line)
        {
            int comment = line.IndexOf("//", StringComparison.Ordinal);
            return comment < 0 ? line : line.Substring(0, comment);
        }

        private static string Parameters(ParameterInfo[] parameters)
        {
            return string.Join(", ", parameters.Select(p =>
                (p.ParameterType.IsByRef ? (p.IsOut ? "out " : "ref ") + Render(p.ParameterType.GetElementType()) : Render(p.ParameterType)) + " " + p.Name));
        }

        private static bool Visible(MethodBase method)
        {
            return method.IsPublic || method.IsFamily || method.IsFamilyOrAssembly;
        }

        private static string Access(MethodBase method)
        {
            return method.IsPublic ? "public" : "protected";
        }

        private static string Prefix(MethodInfo method, bool iface)
        {
            if (iface)
            {
                return string.Empty;
            }

            bool isOverride = method.IsVirtual && method.GetBaseDefinition().DeclaringType != method.DeclaringType;
            bool isVirtual = method.IsVirtual && !method.IsAbstract && !method.IsFinal && !isOverride;
            return Modifiers(Access(method), method.IsStatic, method.IsAbstract, isVirtual, isOverride);
        }

        private static string Modifiers(string access, bool isStatic, bool isAbstract, bool isVirtual, bool isOverride)
        {
            return access + (isStatic ? " static" : string.Empty) + (isAbstract ? " abstract" : string.Empty) + (isVirtual ? " virtual" : string.Empty) + (isOverride ? " override" : string.Empty) + " ";
        }

        private static string Literal(object value)
        {
            string s = value as string;
            return s != null ? "\"" + s + "\"" : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
