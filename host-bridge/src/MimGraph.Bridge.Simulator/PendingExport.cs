using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.MetadirectoryServices;

namespace MimGraph.Bridge.Simulator
{
    /// <summary>What an attribute-level pending export does to one attribute (as sync rules leave it).</summary>
    public enum PendingAttributeOperation
    {
        /// <summary>The attribute's whole value set becomes these values.</summary>
        Set,
        /// <summary>The attribute loses all its values.</summary>
        Clear,
        /// <summary>These values are added (multi-valued).</summary>
        AddValues,
        /// <summary>These values are removed (multi-valued).</summary>
        RemoveValues,
    }

    public sealed class PendingAttribute
    {
        internal PendingAttribute(string name, PendingAttributeOperation operation, IReadOnlyList<object> values)
        {
            Name = name;
            Operation = operation;
            Values = values;
        }

        public string Name { get; }
        public PendingAttributeOperation Operation { get; }
        public IReadOnlyList<object> Values { get; }
    }

    /// <summary>
    /// A pending export of the connector space, as synchronization leaves it: the engine turns it into
    /// CSEntryChanges shaped by the MA's capabilities (export type, reference pass). Values are the
    /// engine's CLR types (string, long, byte[], bool); references are DNs of connector-space objects.
    /// </summary>
    public sealed class PendingExport
    {
        private readonly List<PendingAttribute> attributes = new List<PendingAttribute>();

        private PendingExport(ObjectModificationType modification, string objectType, string dn, CsObject? target)
        {
            Modification = modification;
            ObjectType = objectType;
            DN = dn;
            Target = target;
        }

        /// <summary>A provisioned object: its DN is the one provisioning gave it (a placeholder until the confirming import).</summary>
        public static PendingExport Add(string objectType, string dn) => new PendingExport(ObjectModificationType.Add, objectType, dn, null);

        public static PendingExport Update(CsObject target) =>
            new PendingExport(ObjectModificationType.Update, target.ObjectType, target.DN, target ?? throw new ArgumentNullException(nameof(target)));

        public static PendingExport Delete(CsObject target) =>
            new PendingExport(ObjectModificationType.Delete, target.ObjectType, target.DN, target ?? throw new ArgumentNullException(nameof(target)));

        public ObjectModificationType Modification { get; }
        public string ObjectType { get; }
        public string DN { get; }

        /// <summary>The connector-space object (null for an add until the engine creates it).</summary>
        public CsObject? Target { get; internal set; }

        public IReadOnlyList<PendingAttribute> Attributes => attributes;

        public PendingExport Set(string name, params object[] values)
        {
            Guard();
            attributes.Add(new PendingAttribute(name, PendingAttributeOperation.Set, values.ToArray()));
            return this;
        }

        public PendingExport Clear(string name)
        {
            Guard();
            if (Modification == ObjectModificationType.Add) throw new InvalidOperationException("an add sets attributes; it has nothing to clear");
            attributes.Add(new PendingAttribute(name, PendingAttributeOperation.Clear, Array.Empty<object>()));
            return this;
        }

        public PendingExport AddValues(string name, params object[] values)
        {
            Guard();
            attributes.Add(new PendingAttribute(name, PendingAttributeOperation.AddValues, values.ToArray()));
            return this;
        }

        public PendingExport RemoveValues(string name, params object[] values)
        {
            Guard();
            if (Modification == ObjectModificationType.Add) throw new InvalidOperationException("an add has no values to remove");
            attributes.Add(new PendingAttribute(name, PendingAttributeOperation.RemoveValues, values.ToArray()));
            return this;
        }

        private void Guard()
        {
            if (Modification == ObjectModificationType.Delete) throw new InvalidOperationException("a delete carries no attributes");
        }

        public override string ToString() => $"{Modification} {ObjectType} {DN}";
    }
}
