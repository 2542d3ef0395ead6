using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.MetadirectoryServices;

namespace MimGraph.Bridge.Simulator
{
    /// <summary>One connector-space object: what MIM holds for an object of the connected directory.</summary>
    public sealed class CsObject
    {
        internal CsObject(string objectType, string dn)
        {
            ObjectType = objectType;
            DN = dn;
        }

        public string ObjectType { get; internal set; }

        /// <summary>The DN; references of other objects point at it.</summary>
        public string DN { get; internal set; }

        /// <summary>Anchor attribute name → value (string/long/byte[]); empty for an exported add not yet answered.</summary>
        public Dictionary<string, object> Anchors { get; } = new Dictionary<string, object>(StringComparer.Ordinal);

        /// <summary>Attribute name → values (one for single-valued). Reference values are DNs.</summary>
        public Dictionary<string, List<object>> Attributes { get; } = new Dictionary<string, List<object>>(StringComparer.Ordinal);

        /// <summary>True once an import has brought this object (an exported add is unconfirmed until then).</summary>
        public bool Confirmed { get; internal set; }

        /// <summary>The anchor as one string key (values joined; binary as base64).</summary>
        public string? AnchorKey => Anchors.Count == 0 ? null : ConnectorSpace.KeyOf(Anchors.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => a.Value));

        /// <summary>The single value of an attribute, or null.</summary>
        public object? Value(string name) => Attributes.TryGetValue(name, out var v) && v.Count > 0 ? v[0] : null;

        /// <summary>All values of an attribute (empty when absent).</summary>
        public IReadOnlyList<object> Values(string name) => Attributes.TryGetValue(name, out var v) ? v : (IReadOnlyList<object>)Array.Empty<object>();

        public override string ToString() => $"{ObjectType} {DN}";
    }

    /// <summary>
    /// The connector space of one MA: objects by anchor and by DN, built from imports and exports as
    /// MIM's engine does. Reference values are DNs of objects in here.
    /// </summary>
    public sealed class ConnectorSpace
    {
        private readonly Dictionary<string, CsObject> byAnchor = new Dictionary<string, CsObject>(StringComparer.Ordinal);
        private readonly Dictionary<string, CsObject> byDn = new Dictionary<string, CsObject>(StringComparer.OrdinalIgnoreCase);
        private readonly List<CsObject> unanchored = new List<CsObject>();
        private readonly object gate = new object();

        public int Count
        {
            get { lock (gate) return byAnchor.Count + unanchored.Count; }
        }

        public IReadOnlyList<CsObject> Objects
        {
            get { lock (gate) return byAnchor.Values.Concat(unanchored).ToList(); }
        }

        public IReadOnlyList<CsObject> OfType(string objectType) => Objects.Where(o => o.ObjectType == objectType).ToList();

        public CsObject? ByAnchor(string anchorKey)
        {
            lock (gate) return byAnchor.TryGetValue(anchorKey, out var o) ? o : null;
        }

        public CsObject? ByDN(string dn)
        {
            lock (gate) return byDn.TryGetValue(dn, out var o) ? o : null;
        }

        /// <summary>References (DN values of Reference attributes) that point at no object of this space.</summary>
        public IReadOnlyList<(CsObject Holder, string Attribute, string DN)> DanglingReferences(Schema schema)
        {
            var result = new List<(CsObject, string, string)>();
            foreach (var o in Objects)
            {
                if (!schema.Types.Contains(o.ObjectType)) continue;
                var type = schema.Types[o.ObjectType];
                foreach (var a in o.Attributes)
                {
                    if (!type.Attributes.Contains(a.Key) || type.Attributes[a.Key].DataType != AttributeType.Reference) continue;
                    foreach (var v in a.Value)
                        if (v is string dn && ByDN(dn) == null) result.Add((o, a.Key, dn));
                }
            }
            return result;
        }

        internal static string KeyOf(IEnumerable<object> anchorValues) =>
            string.Join("\u001f", anchorValues.Select(v => v is byte[] b ? Convert.ToBase64String(b) : Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)));

        internal CsObject AddPending(string objectType, string dn)
        {
            lock (gate)
            {
                var o = new CsObject(objectType, dn);
                unanchored.Add(o);
                byDn[dn] = o;
                return o;
            }
        }

        internal void SetAnchor(CsObject o, IDictionary<string, object> anchors)
        {
            lock (gate)
            {
                var old = o.AnchorKey;
                if (old != null) byAnchor.Remove(old);
                unanchored.Remove(o);
                o.Anchors.Clear();
                foreach (var a in anchors) o.Anchors[a.Key] = a.Value;
                byAnchor[o.AnchorKey!] = o;
            }
        }

        /// <summary>The object with this anchor, created (with that DN) when new.</summary>
        internal CsObject Upsert(string anchorKey, IDictionary<string, object> anchors, string objectType, string dn, out bool created)
        {
            lock (gate)
            {
                created = false;
                if (!byAnchor.TryGetValue(anchorKey, out var o))
                {
                    // An exported add answered without its anchor is joined by DN, as the engine does.
                    if (byDn.TryGetValue(dn, out var pending) && pending.AnchorKey == null)
                    {
                        o = pending;
                        unanchored.Remove(o);
                    }
                    else
                    {
                        o = new CsObject(objectType, dn);
                        created = true;
                    }
                    foreach (var a in anchors) o.Anchors[a.Key] = a.Value;
                    byAnchor[anchorKey] = o;
                }
                Rename(o, dn);
                o.ObjectType = objectType;
                return o;
            }
        }

        internal void Rename(CsObject o, string dn)
        {
            lock (gate)
            {
                if (string.Equals(o.DN, dn, StringComparison.Ordinal) && byDn.ContainsKey(dn)) return;
                if (byDn.TryGetValue(o.DN, out var at) && ReferenceEquals(at, o)) byDn.Remove(o.DN);
                var oldDn = o.DN;
                o.DN = dn;
                byDn[dn] = o;
                // References follow a renamed object, as the engine's reference tracking does.
                if (!string.Equals(oldDn, dn, StringComparison.OrdinalIgnoreCase))
                {
                    foreach (var holder in byAnchor.Values.Concat(unanchored))
                        foreach (var values in holder.Attributes.Values)
                            for (var i = 0; i < values.Count; i++)
                                if (values[i] is string s && string.Equals(s, oldDn, StringComparison.OrdinalIgnoreCase) && oldDn.Length > 0)
                                    values[i] = dn;
                }
            }
        }

        internal void Remove(CsObject o)
        {
            lock (gate)
            {
                var key = o.AnchorKey;
                if (key != null) byAnchor.Remove(key);
                unanchored.Remove(o);
                if (byDn.TryGetValue(o.DN, out var at) && ReferenceEquals(at, o)) byDn.Remove(o.DN);
            }
        }
    }
}
