using System;
using System.Collections.Generic;
using System.Linq;

namespace MimGraph.Bridge.Simulator
{
    /// <summary>
    /// Something the bridge returned that MIM Sync would reject, misread or report as an error. The
    /// simulator never throws for these (MIM would often carry on with a discovery error or a
    /// stopped-... status): it collects them, and a test asserts the list is empty.
    /// </summary>
    public sealed class MimViolation
    {
        public MimViolation(string step, string rule, string message)
        {
            Step = step;
            Rule = rule;
            Message = message;
        }

        /// <summary>Where: "capabilities", "parameters Connectivity/1", "schema", "full import page 3", "export batch 1", …</summary>
        public string Step { get; }

        /// <summary>A short stable rule name, e.g. "import.anchor-missing", for tests that expect one violation.</summary>
        public string Rule { get; }

        public string Message { get; }

        public override string ToString() => $"[{Step}] {Rule}: {Message}";
    }

    /// <summary>The violations collected during a simulator's lifetime (thread-safe: tests may read it while a run goes on).</summary>
    public sealed class MimViolationLog
    {
        private readonly List<MimViolation> items = new List<MimViolation>();
        private readonly object gate = new object();

        public void Add(string step, string rule, string message)
        {
            lock (gate) items.Add(new MimViolation(step, rule, message));
        }

        public IReadOnlyList<MimViolation> All
        {
            get { lock (gate) return items.ToArray(); }
        }

        public int Count
        {
            get { lock (gate) return items.Count; }
        }

        public void Clear()
        {
            lock (gate) items.Clear();
        }

        /// <summary>Every violation, one per line (for assertion messages); empty when none.</summary>
        public string Describe(int max = 50)
        {
            var all = All;
            var lines = all.Take(max).Select(v => v.ToString()).ToList();
            if (all.Count > max) lines.Add($"… and {all.Count - max} more");
            return string.Join(Environment.NewLine, lines);
        }
    }
}
