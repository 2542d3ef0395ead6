using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.MetadirectoryServices;

namespace MimGraph.Bridge.Simulator
{
    /// <summary>
    /// What MIM's engine sees in an extension DLL: for each IMAExtensible2* interface, the public,
    /// concrete type with a public parameterless constructor that implements it. The engine creates a
    /// fresh instance per run step and per designer call (the safe assumption of ecma2-api.md §3.13),
    /// so does this catalog.
    /// </summary>
    public sealed class ExtensionCatalog
    {
        private readonly Dictionary<Type, Type?> implementations = new Dictionary<Type, Type?>();

        public ExtensionCatalog(Assembly extension)
        {
            Assembly = extension ?? throw new ArgumentNullException(nameof(extension));
            PublicTypes = extension.GetExportedTypes();
        }

        /// <summary>An extension made of exactly these public types (tests of the simulator itself).</summary>
        public ExtensionCatalog(params Type[] publicTypes)
        {
            if (publicTypes == null || publicTypes.Length == 0) throw new ArgumentException("at least one type", nameof(publicTypes));
            Assembly = publicTypes[0].Assembly;
            PublicTypes = publicTypes.Where(t => t.IsPublic || t.IsNestedPublic).ToArray();
        }

        /// <summary>The bridge assembly as MIM finds it in its Extensions folder.</summary>
        public static ExtensionCatalog ForBridge() => new ExtensionCatalog(Assembly.Load(new AssemblyName("MimGraph.Bridge")));

        public Assembly Assembly { get; }

        public IReadOnlyList<Type> PublicTypes { get; }

        /// <summary>The ECMA2 interfaces the engine looks for.</summary>
        public static readonly Type[] Interfaces =
        {
            typeof(IMAExtensible2GetCapabilities),
            typeof(IMAExtensible2GetCapabilitiesEx),
            typeof(IMAExtensible2GetParameters),
            typeof(IMAExtensible2GetParametersEx),
            typeof(IMAExtensible2GetSchema),
            typeof(IMAExtensible2GetPartitions),
            typeof(IMAExtensible2GetHierarchy),
            typeof(IMAExtensible2CallImport),
            typeof(IMAExtensible2CallExport),
            typeof(IMAExtensible2FileImport),
            typeof(IMAExtensible2FileExport),
            typeof(IMAExtensible2Password),
        };

        /// <summary>The public type implementing <paramref name="contract"/>, or null.</summary>
        public Type? ImplementationOf(Type contract)
        {
            lock (implementations)
            {
                if (implementations.TryGetValue(contract, out var known)) return known;
                var candidates = PublicTypes
                    .Where(t => t.IsClass && !t.IsAbstract && contract.IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) != null)
                    .ToList();
                if (candidates.Count > 1)
                    throw new InvalidOperationException(
                        $"the extension has {candidates.Count} public types implementing {contract.Name} ({string.Join(", ", candidates.Select(c => c.FullName))}); MIM would not know which to use");
                var found = candidates.Count == 1 ? candidates[0] : null;
                implementations[contract] = found;
                return found;
            }
        }

        public bool Implements<T>() where T : class => ImplementationOf(typeof(T)) != null;

        /// <summary>A fresh instance of the public type implementing <typeparamref name="T"/>, created as MIM creates it.</summary>
        public T Create<T>() where T : class
        {
            var type = ImplementationOf(typeof(T))
                ?? throw new InvalidOperationException($"the extension has no public type with a parameterless constructor implementing {typeof(T).Name}");
            try
            {
                return (T)Activator.CreateInstance(type)!;
            }
            catch (TargetInvocationException e) when (e.InnerException != null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                throw;
            }
        }

        /// <summary>Releases an instance the way a host that is done with it would (MIM itself never calls Dispose).</summary>
        internal static void Release(object? instance)
        {
            if (instance is IDisposable d) d.Dispose();
        }
    }
}
