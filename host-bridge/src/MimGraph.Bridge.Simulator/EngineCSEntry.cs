using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.MetadirectoryServices;

namespace MimGraph.Bridge.Simulator
{
    /// <summary>
    /// The engine's CSEntry for one connector-space object, as password calls receive it: DN, object type and
    /// attribute values readable; everything a rules extension would write is refused (a password extension
    /// has no business changing the connector space).
    /// </summary>
    internal sealed class EngineCSEntry : CSEntry
    {
        private readonly CsObject obj;
        private readonly SchemaType type;

        public EngineCSEntry(CsObject obj, SchemaType type)
        {
            this.obj = obj;
            this.type = type;
        }

        public override ReferenceValue DN
        {
            get => new EngineReferenceValue(obj.DN);
            set => throw ReadOnly();
        }

        public override string RDN
        {
            get => obj.DN;
            set => throw ReadOnly();
        }

        public override ValueCollection ObjectClass
        {
            get => throw new NotSupportedException("the simulator's CSEntry has no object classes");
            set => throw ReadOnly();
        }

        public override string ObjectType => obj.ObjectType;
        public override ConnectionState ConnectionState => ConnectionState.Connected;
        public override ManagementAgent MA => throw new NotSupportedException("the simulator's CSEntry has no ManagementAgent");
        public override RuleType ConnectionRule => RuleType.Projection;
        public override DateTime ConnectionChangeTime => DateTime.UtcNow;

        public override Attrib this[string attributeName]
        {
            get
            {
                if (attributeName == null) throw new ArgumentNullException(nameof(attributeName));
                if (!type.Attributes.Contains(attributeName)) throw new NoSuchAttributeInObjectTypeException(attributeName);
                var def = type.Attributes[attributeName];
                var values = def.IsAnchor && obj.Anchors.TryGetValue(attributeName, out var a) ? new List<object> { a } : obj.Values(attributeName).ToList();
                return new EngineAttrib(def, values);
            }
        }

        public override AttributeNameEnumerator GetEnumerator() => new Names(type.Attributes.Select(a => a.Name).ToList());

        public override void Deprovision() => throw ReadOnly();
        public override void CommitNewConnector() => throw ReadOnly();
        public override string ToString() => obj.DN;

        internal static NotSupportedException ReadOnly() => new NotSupportedException("a password extension cannot change the connector space");

        private sealed class Names : AttributeNameEnumerator
        {
            private readonly List<string> names;
            private int at = -1;

            public Names(List<string> names) => this.names = names;

            public override string Current => names[at];
            public override bool MoveNext() => ++at < names.Count;
            public override void Reset() => at = -1;
        }
    }

    internal sealed class EngineAttrib : Attrib
    {
        private readonly SchemaAttribute def;
        private readonly List<object> values;

        public EngineAttrib(SchemaAttribute def, List<object> values)
        {
            this.def = def;
            this.values = values;
        }

        public override string Name => def.Name;
        public override AttributeType DataType => def.DataType;
        public override bool IsPresent => values.Count > 0;
        public override bool IsMultivalued => def.IsMultiValued;

        public override ValueCollection Values
        {
            get => throw new NotSupportedException("the simulator's Attrib has no ValueCollection; read Value");
            set => throw EngineCSEntry.ReadOnly();
        }

        private object Single()
        {
            if (values.Count == 0) throw new AttributeNotPresentException(def.Name);
            if (def.IsMultiValued) throw new InvalidOperationException($"'{def.Name}' is multi-valued: read Values");
            return values[0];
        }

        public override string Value
        {
            get => Single() is byte[] b ? Convert.ToBase64String(b) : Convert.ToString(Single(), CultureInfo.InvariantCulture)!;
            set => throw EngineCSEntry.ReadOnly();
        }

        public override string StringValue
        {
            get => Single() as string ?? throw new InvalidOperationException($"'{def.Name}' is {def.DataType}, not a string");
            set => throw EngineCSEntry.ReadOnly();
        }

        public override ReferenceValue ReferenceValue
        {
            get => new EngineReferenceValue((string)Single());
            set => throw EngineCSEntry.ReadOnly();
        }

        public override byte[] BinaryValue
        {
            get => (byte[])Single();
            set => throw EngineCSEntry.ReadOnly();
        }

        public override long IntegerValue
        {
            get => Convert.ToInt64(Single(), CultureInfo.InvariantCulture);
            set => throw EngineCSEntry.ReadOnly();
        }

        public override bool BooleanValue
        {
            get => (bool)Single();
            set => throw EngineCSEntry.ReadOnly();
        }

        public override DateTime LastContributionTime => DateTime.UtcNow;
        public override ManagementAgent LastContributingMA => throw new NotSupportedException("the simulator's Attrib has no ManagementAgent");
        public override void Delete() => throw EngineCSEntry.ReadOnly();
    }

    /// <summary>A DN as the engine hands it out: an opaque string for the Generic DN style.</summary>
    internal sealed class EngineReferenceValue : ReferenceValue
    {
        private readonly string dn;

        public EngineReferenceValue(string dn) => this.dn = dn;

        public override AttributeType DataType => AttributeType.Reference;
        public override long ToInteger() => throw new InvalidOperationException("a reference is not an integer");
        public override byte[] ToBinary() => throw new InvalidOperationException("a reference is not binary");
        public override bool ToBoolean() => throw new InvalidOperationException("a reference is not a Boolean");
        public override string ToString() => dn;
        public override bool Equals(object obj) => obj is EngineReferenceValue r && string.Equals(r.dn, dn, StringComparison.OrdinalIgnoreCase);
        public override int GetHashCode() => StringComparer.OrdinalIgnoreCase.GetHashCode(dn);
        public override int Depth => 1;
        public override string this[int componentIndex] => componentIndex == 0 ? dn : throw new ArgumentOutOfRangeException(nameof(componentIndex));
        public override ReferenceValue Concat(ReferenceValue DN) => throw new NotSupportedException("Generic DNs have no components");
        public override ReferenceValue Concat(string DN) => throw new NotSupportedException("Generic DNs have no components");
        public override ReferenceValue Parent() => throw new NotSupportedException("Generic DNs have no parent");
        public override ReferenceValue Parent(int skipLevels) => throw new NotSupportedException("Generic DNs have no parent");
        public override ReferenceValue Subcomponents(int startingComponent, int endingComponent) => throw new NotSupportedException("Generic DNs have no components");
    }
}
