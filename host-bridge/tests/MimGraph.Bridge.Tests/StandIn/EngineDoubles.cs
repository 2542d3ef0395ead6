#nullable disable
// Written against the stand-in, which predates nullable reference types (Nullable is disabled there too).

using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.MetadirectoryServices;

namespace MimGraph.Bridge.Tests.StandIn
{
    // Test doubles of the engine-backed abstract classes (ecma2-api.md §11.3): the stand-in must let
    // tests subclass them, e.g. to hand a CSEntry to IMAExtensible2Password.SetPassword.

    internal sealed class StringValue : Value
    {
        private readonly string text;

        public StringValue(string text)
        {
            this.text = text;
        }

        public override AttributeType DataType => AttributeType.String;

        public override long ToInteger() => long.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

        public override byte[] ToBinary() => System.Text.Encoding.UTF8.GetBytes(text);

        public override bool ToBoolean() => text == "1" || text == "true";

        public override string ToString() => text;

        public override bool Equals(object obj) => obj is StringValue other && other.text == text;

        public override int GetHashCode() => text.GetHashCode(StringComparison.Ordinal);
    }

    internal sealed class DnValue : ReferenceValue
    {
        private readonly string[] components;

        public DnValue(string dn)
        {
            components = dn.Split(',');
        }

        public override AttributeType DataType => AttributeType.Reference;

        public override int Depth => components.Length;

        public override string this[int componentIndex] => components[componentIndex];

        public override ReferenceValue Concat(ReferenceValue DN) => new DnValue(ToString() + "," + DN);

        public override ReferenceValue Concat(string DN) => new DnValue(ToString() + "," + DN);

        public override ReferenceValue Parent() => Parent(1);

        public override ReferenceValue Parent(int skipLevels) => new DnValue(string.Join(",", components.Skip(skipLevels)));

        public override ReferenceValue Subcomponents(int startingComponent, int endingComponent) =>
            new DnValue(string.Join(",", components.Skip(startingComponent).Take(endingComponent - startingComponent)));

        public override long ToInteger() => throw new NotSupportedException();

        public override byte[] ToBinary() => throw new NotSupportedException();

        public override bool ToBoolean() => throw new NotSupportedException();

        public override string ToString() => string.Join(",", components);

        public override bool Equals(object obj) => obj is DnValue other && other.ToString() == ToString();

        public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
    }

    internal sealed class ListValueCollection : ValueCollection
    {
        private readonly List<Value> values = new List<Value>();

        public ListValueCollection(params string[] texts)
        {
            values.AddRange(texts.Select(t => (Value)new StringValue(t)));
        }

        public override int Count => values.Count;

        public override Value this[int index] => values[index];

        public override ValueCollectionEnumerator GetEnumerator() => new ListValueEnumerator(values);

        public override void Clear() => values.Clear();

        public override void Add(string val) => values.Add(new StringValue(val));

        public override void Add(long val) => values.Add(new StringValue(val.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        public override void Add(byte[] val) => throw new NotSupportedException();

        public override void Add(Value val) => values.Add(val);

        public override void Add(ValueCollection val)
        {
            foreach (Value value in val)
            {
                values.Add(value);
            }
        }

        public override void Remove(string val) => values.Remove(new StringValue(val));

        public override void Remove(long val) => throw new NotSupportedException();

        public override void Remove(byte[] val) => throw new NotSupportedException();

        public override void Remove(Value val) => values.Remove(val);

        public override void Set(bool val) => throw new NotSupportedException();

        public override bool Contains(string val) => values.Contains(new StringValue(val));

        public override bool Contains(long val) => throw new NotSupportedException();

        public override bool Contains(byte[] val) => throw new NotSupportedException();

        public override bool Contains(Value val) => values.Contains(val);

        public override string[] ToStringArray() => values.Select(v => v.ToString()).ToArray();

        public override long[] ToIntegerArray() => values.Select(v => v.ToInteger()).ToArray();
    }

    internal sealed class ListValueEnumerator : ValueCollectionEnumerator
    {
        private readonly List<Value> values;
        private int position = -1;

        public ListValueEnumerator(List<Value> values)
        {
            this.values = values;
        }

        public override Value Current => values[position];

        public override bool MoveNext() => ++position < values.Count;

        public override void Reset() => position = -1;
    }

    internal sealed class NameEnumerator : AttributeNameEnumerator
    {
        private readonly string[] names;
        private int position = -1;

        public NameEnumerator(string[] names)
        {
            this.names = names;
        }

        public override string Current => names[position];

        public override bool MoveNext() => ++position < names.Length;

        public override void Reset() => position = -1;
    }

    internal sealed class FakeAttrib : Attrib
    {
        private readonly string name;

        public FakeAttrib(string name, string value)
        {
            this.name = name;
            Value = value;
        }

        public override string Name => name;

        public override AttributeType DataType => AttributeType.String;

        public override bool IsPresent => Value != null;

        public override bool IsMultivalued => false;

        public override ValueCollection Values { get; set; }

        public override string Value { get; set; }

        public override string StringValue
        {
            get => Value;
            set => Value = value;
        }

        public override ReferenceValue ReferenceValue { get; set; }

        public override byte[] BinaryValue { get; set; }

        public override long IntegerValue { get; set; }

        public override bool BooleanValue { get; set; }

        public override DateTime LastContributionTime => DateTime.MinValue;

        public override ManagementAgent LastContributingMA => null;

        public override void Delete() => Value = null;
    }

    internal sealed class FakeMA : ManagementAgent
    {
        public override string Name => "Graph";

        public override ReferenceValue CreateDN(string dn) => new DnValue(dn);

        public override ReferenceValue CreateDN(Value dn) => new DnValue(dn.ToString());

        public override ReferenceValue EscapeDNComponent(params string[] parts) => new DnValue(string.Join(",", parts.Select(p => p.Replace(",", "\\,", StringComparison.Ordinal))));

        public override ReferenceValue EscapeDNComponent(params Value[] parts) => EscapeDNComponent(parts.Select(p => p.ToString()).ToArray());

        public override string[] UnescapeDNComponent(string component) => new[] { component.Replace("\\,", ",", StringComparison.Ordinal) };

        public override string NormalizeString(string value) => value.ToUpperInvariant();
    }

    internal sealed class FakeCSEntry : CSEntry
    {
        private readonly Dictionary<string, Attrib> attributes = new Dictionary<string, Attrib>(StringComparer.Ordinal);

        public FakeCSEntry(string dn, string objectType, params (string Name, string Value)[] values)
        {
            DN = new DnValue(dn);
            ObjectTypeValue = objectType;
            foreach ((string name, string value) in values)
            {
                attributes.Add(name, new FakeAttrib(name, value));
            }
        }

        public override ReferenceValue DN { get; set; }

        public override string RDN
        {
            get => DN[0];
            set => throw new NotSupportedException();
        }

        public override ValueCollection ObjectClass { get; set; } = new ListValueCollection("user");

        public override string ObjectType => ObjectTypeValue;

        public override ConnectionState ConnectionState => ConnectionState.Connected;

        public override ManagementAgent MA { get; } = new FakeMA();

        public override RuleType ConnectionRule => RuleType.Projection;

        public override DateTime ConnectionChangeTime => new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

        private string ObjectTypeValue { get; }

        public override Attrib this[string attributeName] => attributes[attributeName];

        public override AttributeNameEnumerator GetEnumerator() => new NameEnumerator(attributes.Keys.ToArray());

        public override void Deprovision() => throw new NotSupportedException();

        public override void CommitNewConnector() => throw new NotSupportedException();

        public override string ToString() => DN.ToString();
    }
}
