using System;
using System.Collections;
using System.ComponentModel;

namespace Microsoft.MetadirectoryServices
{
    // Engine-backed abstract classes (ecma2-api.md §11): only the sync engine implements them on a
    // MIM server. Protected constructors so tests can subclass them (e.g. a CSEntry double for
    // IMAExtensible2Password).

    [Flags]
    public enum PasswordOptions
    {
        None = 0,
        ForceChangeAtLogOn = 1,
        UnlockAccount = 2,
        ValidatePassword = 4,
    }

    public enum ConnectionSecurityLevel
    {
        NotSecure = 0,
        Secure = 1,
    }

    public enum ConnectionState
    {
        Connected = 0,
        ExplicitlyConnected = 1,
        Disconnected = 2,
        ExplicitlyDisconnected = 3,
        DisconnectedByFilter = 4,
        Placeholder = 5,
    }

    public enum RuleType
    {
        Provisioning = 0,
        Projection = 1,
        Join = 2,
        AccountJoiner = 3,
        ConnectorFilter = 4,
        MVDeletion = 5,
        ImportAttributeFlow = 6,
        ExportAttributeFlow = 7,
        CSDeprovisioning = 8,
        Unknown = 9,
    }

    /// <summary>A connector-space object as the engine hands it to IMAExtensible2Password.</summary>
    public abstract class CSEntry : IEnumerable
    {
        [EditorBrowsable(EditorBrowsableState.Never)]
        protected CSEntry()
        {
        }

        public abstract ReferenceValue DN { get; set; }

        public abstract string RDN { get; set; }

        public abstract ValueCollection ObjectClass { get; set; }

        public abstract string ObjectType { get; }

        public abstract ConnectionState ConnectionState { get; }

        public abstract ManagementAgent MA { get; }

        public abstract RuleType ConnectionRule { get; }

        public abstract DateTime ConnectionChangeTime { get; }

        public abstract Attrib this[string attributeName] { get; }

        public abstract AttributeNameEnumerator GetEnumerator();

        public abstract void Deprovision();

        public abstract void CommitNewConnector();

        public abstract override string ToString();

        IEnumerator IEnumerable.GetEnumerator()
        {
            return GetEnumerator();
        }
    }

    public abstract class Attrib
    {
        [EditorBrowsable(EditorBrowsableState.Never)]
        protected Attrib()
        {
        }

        public abstract string Name { get; }

        public abstract AttributeType DataType { get; }

        public abstract bool IsPresent { get; }

        public abstract bool IsMultivalued { get; }

        public abstract ValueCollection Values { get; set; }

        public abstract string Value { get; set; }

        public abstract string StringValue { get; set; }

        public abstract ReferenceValue ReferenceValue { get; set; }

        public abstract byte[] BinaryValue { get; set; }

        public abstract long IntegerValue { get; set; }

        public abstract bool BooleanValue { get; set; }

        public abstract DateTime LastContributionTime { get; }

        public abstract ManagementAgent LastContributingMA { get; }

        public abstract void Delete();
    }

    public abstract class ValueCollection : IEnumerable
    {
        [EditorBrowsable(EditorBrowsableState.Never)]
        protected ValueCollection()
        {
        }

        public abstract int Count { get; }

        public abstract Value this[int index] { get; }

        public abstract ValueCollectionEnumerator GetEnumerator();

        public abstract void Clear();

        public abstract void Add(string val);

        public abstract void Add(long val);

        public abstract void Add(byte[] val);

        public abstract void Add(Value val);

        public abstract void Add(ValueCollection val);

        public abstract void Remove(string val);

        public abstract void Remove(long val);

        public abstract void Remove(byte[] val);

        public abstract void Remove(Value val);

        public abstract void Set(bool val);

        public abstract bool Contains(string val);

        public abstract bool Contains(long val);

        public abstract bool Contains(byte[] val);

        public abstract bool Contains(Value val);

        public abstract string[] ToStringArray();

        public abstract long[] ToIntegerArray();

        /// <summary>
        /// The real one asks the engine service; the stand-in converts each value with Value.ToBinary(),
        /// which gives the same result for any engine-independent test double.
        /// </summary>
        public byte[][] ToByteArrays()
        {
            byte[][] arrays = new byte[Count][];
            for (int i = 0; i < arrays.Length; i++)
            {
                arrays[i] = this[i].ToBinary();
            }

            return arrays;
        }

        IEnumerator IEnumerable.GetEnumerator()
        {
            return GetEnumerator();
        }
    }

    public abstract class ValueCollectionEnumerator : IEnumerator
    {
        [EditorBrowsable(EditorBrowsableState.Never)]
        protected ValueCollectionEnumerator()
        {
        }

        public abstract Value Current { get; }

        object IEnumerator.Current
        {
            get { return Current; }
        }

        public abstract bool MoveNext();

        public abstract void Reset();
    }

    public abstract class Value
    {
        [EditorBrowsable(EditorBrowsableState.Never)]
        protected Value()
        {
        }

        public abstract AttributeType DataType { get; }

        public abstract long ToInteger();

        public abstract byte[] ToBinary();

        public abstract bool ToBoolean();

        public abstract override string ToString();

        public abstract override bool Equals(object obj);

        public abstract override int GetHashCode();
    }

    public abstract class ReferenceValue : Value
    {
        [EditorBrowsable(EditorBrowsableState.Never)]
        protected ReferenceValue()
        {
        }

        public abstract int Depth { get; }

        public abstract string this[int componentIndex] { get; }

        public abstract ReferenceValue Concat(ReferenceValue DN);

        public abstract ReferenceValue Concat(string DN);

        public abstract ReferenceValue Parent();

        public abstract ReferenceValue Parent(int skipLevels);

        public abstract ReferenceValue Subcomponents(int startingComponent, int endingComponent);

        public abstract override string ToString();
    }

    [Serializable]
    public abstract class AttributeNameEnumerator : IEnumerator
    {
        [EditorBrowsable(EditorBrowsableState.Never)]
        protected AttributeNameEnumerator()
        {
        }

        public abstract string Current { get; }

        object IEnumerator.Current
        {
            get { return Current; }
        }

        public abstract bool MoveNext();

        public abstract void Reset();
    }

    public abstract class ManagementAgent
    {
        [EditorBrowsable(EditorBrowsableState.Never)]
        protected ManagementAgent()
        {
        }

        public abstract string Name { get; }

        public abstract ReferenceValue CreateDN(string dn);

        public abstract ReferenceValue CreateDN(Value dn);

        public abstract ReferenceValue EscapeDNComponent(params string[] parts);

        public abstract ReferenceValue EscapeDNComponent(params Value[] parts);

        public abstract string[] UnescapeDNComponent(string component);

        /// <summary>Applies the MA's MACapabilities.Normalizations.</summary>
        public abstract string NormalizeString(string value);
    }

    public abstract class ConnectedMA : ManagementAgent
    {
        [EditorBrowsable(EditorBrowsableState.Never)]
        protected ConnectedMA()
        {
        }

        public abstract ConnectorCollection Connectors { get; }
    }
}
