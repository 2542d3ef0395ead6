#nullable disable
// Written against the stand-in, which predates nullable reference types (Nullable is disabled there too).

using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace MimGraph.Bridge.Tests.StandIn
{
    /// <summary>
    /// The public and protected surface of a DLL read from its metadata alone (no loading), so the net472
    /// build can be compared with the net10.0 one the reflection tests see.
    /// </summary>
    internal static class MetadataSurface
    {
        public static SortedSet<string> Read(string path)
        {
            SortedSet<string> surface = new SortedSet<string>(StringComparer.Ordinal);
            using (PEReader pe = new PEReader(File.OpenRead(path)))
            {
                MetadataReader md = pe.GetMetadataReader();
                SignatureNames names = new SignatureNames();
                foreach (TypeDefinitionHandle handle in md.TypeDefinitions)
                {
                    TypeDefinition type = md.GetTypeDefinition(handle);
                    TypeAttributes visibility = type.Attributes & TypeAttributes.VisibilityMask;
                    if (visibility != TypeAttributes.Public)
                    {
                        continue;
                    }

                    string typeName = md.GetString(type.Namespace) + "." + md.GetString(type.Name);
                    string baseType = type.BaseType.IsNil ? "-" : Name(md, names, type.BaseType);
                    string interfaces = string.Join(",", type.GetInterfaceImplementations().Select(i => Name(md, names, md.GetInterfaceImplementation(i).Interface)).OrderBy(n => n, StringComparer.Ordinal));
                    surface.Add(typeName + " : " + baseType + " [" + interfaces + "] " + (type.Attributes & ~TypeAttributes.BeforeFieldInit));
                    foreach (MethodDefinitionHandle m in type.GetMethods())
                    {
                        MethodDefinition method = md.GetMethodDefinition(m);
                        MethodAttributes access = method.Attributes & MethodAttributes.MemberAccessMask;
                        if (access != MethodAttributes.Public && access != MethodAttributes.Family && access != MethodAttributes.FamORAssem)
                        {
                            continue;
                        }

                        MethodSignature<string> signature = method.DecodeSignature(names, null);
                        string parameters = string.Join(", ", method.GetParameters().Select(p => md.GetParameter(p)).Where(p => p.SequenceNumber > 0).OrderBy(p => p.SequenceNumber)
                            .Select(p => signature.ParameterTypes[p.SequenceNumber - 1] + " " + md.GetString(p.Name)));
                        surface.Add(typeName + "::" + md.GetString(method.Name) + "(" + parameters + ") : " + signature.ReturnType + " " + (method.Attributes & ~MethodAttributes.HideBySig));
                    }

                    foreach (FieldDefinitionHandle f in type.GetFields())
                    {
                        FieldDefinition field = md.GetFieldDefinition(f);
                        FieldAttributes access = field.Attributes & FieldAttributes.FieldAccessMask;
                        if (access == FieldAttributes.Public || access == FieldAttributes.Family || access == FieldAttributes.FamORAssem)
                        {
                            surface.Add(typeName + "::" + md.GetString(field.Name) + " : " + field.DecodeSignature(names, null) + " " + field.Attributes);
                        }
                    }

                    foreach (PropertyDefinitionHandle p in type.GetProperties())
                    {
                        PropertyDefinition property = md.GetPropertyDefinition(p);
                        surface.Add(typeName + "::" + md.GetString(property.Name) + " : " + property.DecodeSignature(names, null).ReturnType);
                    }
                }
            }

            return surface;
        }

        private static string Name(MetadataReader md, SignatureNames names, EntityHandle handle)
        {
            switch (handle.Kind)
            {
                case HandleKind.TypeDefinition:
                    return names.GetTypeFromDefinition(md, (TypeDefinitionHandle)handle, 0);
                case HandleKind.TypeReference:
                    return names.GetTypeFromReference(md, (TypeReferenceHandle)handle, 0);
                default:
                    return names.GetTypeFromSpecification(md, null, (TypeSpecificationHandle)handle, 0);
            }
        }

        /// <summary>Type names without assembly or namespace: KeyedCollection lives in mscorlib on net472 and System.ObjectModel on net10.0.</summary>
        private sealed class SignatureNames : ISignatureTypeProvider<string, object>
        {
            public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();

            public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) => reader.GetString(reader.GetTypeDefinition(handle).Name);

            public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) => reader.GetString(reader.GetTypeReference(handle).Name);

            public string GetTypeFromSpecification(MetadataReader reader, object genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
                reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

            public string GetSZArrayType(string elementType) => elementType + "[]";

            public string GetArrayType(string elementType, ArrayShape shape) => elementType + "[" + new string(',', shape.Rank - 1) + "]";

            public string GetByReferenceType(string elementType) => elementType + "&";

            public string GetPointerType(string elementType) => elementType + "*";

            public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) => genericType + "<" + string.Join(",", typeArguments) + ">";

            public string GetGenericTypeParameter(object genericContext, int index) => "!" + index;

            public string GetGenericMethodParameter(object genericContext, int index) => "!!" + index;

            public string GetFunctionPointerType(MethodSignature<string> signature) => "fnptr";

            public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType + (isRequired ? " modreq(" + modifier + ")" : string.Empty);

            public string GetPinnedType(string elementType) => elementType;
        }
    }
}
