using System;
using System.Collections.Generic;
using System.Linq;
using System.Security;
using Microsoft.MetadirectoryServices;

namespace MimGraph.Bridge.Simulator
{
    /// <summary>One designer page as MIM showed it: the definitions and the validation on leaving it.</summary>
    public sealed class DesignerPage
    {
        internal DesignerPage(ConfigParameterPage page, int number, IList<ConfigParameterDefinition> definitions, ParameterValidationResult? validation)
        {
            Page = page;
            Number = number;
            Definitions = definitions;
            Validation = validation;
        }

        public ConfigParameterPage Page { get; }
        public int Number { get; }
        public IList<ConfigParameterDefinition> Definitions { get; }

        /// <summary>Null when the page was empty (MIM does not show it).</summary>
        public ParameterValidationResult? Validation { get; }

        public bool Failed => Validation != null && Validation.Code == ParameterValidationResultCode.Failure;

        public override string ToString() => $"{Page}/{Number}: {Definitions.Count} parameter(s){(Failed ? $", failed on '{Validation!.ErrorParameter}': {Validation.ErrorMessage}" : "")}";
    }

    /// <summary>The designer walk: pages in MIM's order, stopped at the first page whose validation failed.</summary>
    public sealed class DesignerResult
    {
        internal DesignerResult(IReadOnlyList<DesignerPage> pages, Schema? schema)
        {
            Pages = pages;
            Schema = schema;
        }

        public IReadOnlyList<DesignerPage> Pages { get; }

        /// <summary>The schema discovered after the Schema pages (null when a page failed first).</summary>
        public Schema? Schema { get; }

        public DesignerPage? FailedPage => Pages.FirstOrDefault(p => p.Failed);
        public bool Succeeded => FailedPage == null && Schema != null;
    }

    /// <summary>
    /// MIM Sync as an ECMA2 extension sees it: the designer's calls, schema discovery and the run steps
    /// (full import, delta import, export) with their watermark, through MIM's interfaces only, on
    /// instances of the extension's public types. Keeps a connector space built from what the
    /// extension returns and checks every answer against what the engine requires
    /// (<see cref="Violations"/>). Not thread-safe: MIM runs one step of an MA at a time.
    /// </summary>
    public sealed class MimSyncSimulator
    {
        private readonly Dictionary<string, string> entered = new Dictionary<string, string>(StringComparer.Ordinal);
        private readonly HashSet<string> secrets = new HashSet<string>(StringComparer.Ordinal);
        private readonly HashSet<string> definedNames = new HashSet<string>(StringComparer.Ordinal);
        private readonly List<ExportEscrow> escrow = new List<ExportEscrow>();

        public MimSyncSimulator(ExtensionCatalog catalog)
        {
            Catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
        }

        /// <summary>A simulator of the bridge assembly (MimGraph.Bridge).</summary>
        public MimSyncSimulator() : this(ExtensionCatalog.ForBridge()) { }

        public ExtensionCatalog Catalog { get; }

        /// <summary>Every value stored in the MA configuration (all pages, one namespace), as handed to the extension.</summary>
        public ConfigParameterKeyedCollection Config { get; } = new ConfigParameterKeyedCollection();

        public MACapabilities? Capabilities { get; private set; }

        public Schema? Schema { get; private set; }

        /// <summary>Page sizes as MIM snapshots them when the extension is registered.</summary>
        public int ImportDefaultPageSize { get; private set; }
        public int ImportMaxPageSize { get; private set; }
        public int ExportDefaultPageSize { get; private set; }
        public int ExportMaxPageSize { get; private set; }

        /// <summary>The partition MIM creates when the extension offers none (DN and name "default").</summary>
        public Partition Partition { get; } = Partition.Create(Guid.NewGuid(), "default", "default");

        /// <summary>The stored watermark (custom-data of the partition): CloseImportConnectionResults.CustomData of the last successful import.</summary>
        public string? Watermark { get; set; }

        public ConnectorSpace Space { get; } = new ConnectorSpace();

        public MimViolationLog Violations { get; } = new MimViolationLog();

        /// <summary>Exported changes no import has confirmed yet (MIM's "awaiting export confirmation").</summary>
        public IReadOnlyList<ExportEscrow> PendingConfirmations => escrow.ToList();

        /// <summary>Exported values a later import of the object contradicted (MIM's exported-change-not-reimported).</summary>
        public List<ExportEscrow> NotReimported { get; } = new List<ExportEscrow>();

        /// <summary>A line per call, for diagnostics.</summary>
        public Action<string>? Trace { get; set; }

        // ---- configuration values ------------------------------------------------------------------

        /// <summary>What the administrator types into the field <paramref name="name"/> (used when its page is shown).</summary>
        public MimSyncSimulator Enter(string name, string value)
        {
            entered[name] = value;
            secrets.Remove(name);
            Store(name, value, encrypted: false);
            return this;
        }

        /// <summary>A value typed into an EncryptedString field: handed to the extension as a SecureString.</summary>
        public MimSyncSimulator EnterSecret(string name, string value)
        {
            entered[name] = value;
            secrets.Add(name);
            Store(name, value, encrypted: true);
            return this;
        }

        /// <summary>
        /// Takes over the stored configuration of an MA another simulator designed (values, capabilities,
        /// page sizes, schema), as a run step of a saved MA starts from its stored configuration. The
        /// connector space and the watermark are not copied.
        /// </summary>
        public MimSyncSimulator UseConfigurationOf(MimSyncSimulator designed)
        {
            if (designed == null) throw new ArgumentNullException(nameof(designed));
            Config.Clear();
            foreach (var p in designed.Config) Config.Add(p);
            foreach (var kv in designed.entered) entered[kv.Key] = kv.Value;
            secrets.UnionWith(designed.secrets);
            definedNames.UnionWith(designed.definedNames);
            foreach (var kv in designed.pageOf) pageOf[kv.Key] = kv.Value;
            Capabilities = designed.Capabilities;
            Schema = designed.Schema;
            ImportDefaultPageSize = designed.ImportDefaultPageSize;
            ImportMaxPageSize = designed.ImportMaxPageSize;
            ExportDefaultPageSize = designed.ExportDefaultPageSize;
            ExportMaxPageSize = designed.ExportMaxPageSize;
            return this;
        }

        /// <summary>Names entered that no page defined (MIM would not store them).</summary>
        public IReadOnlyList<string> UndefinedEnteredNames => entered.Keys.Where(n => !definedNames.Contains(n)).ToList();

        private void Store(string name, string value, bool encrypted)
        {
            // Only parameters a page defined are stored; before the designer ran, keep them for it.
            if (!definedNames.Contains(name)) return;
            if (Config.Contains(name)) Config.Remove(name);
            Config.Add(encrypted ? new ConfigParameter(name, ToSecure(value)) : new ConfigParameter(name, value));
        }

        public static SecureString ToSecure(string value)
        {
            var s = new SecureString();
            foreach (var c in value) s.AppendChar(c);
            s.MakeReadOnly();
            return s;
        }

        // ---- designer --------------------------------------------------------------------------------

        /// <summary>
        /// The MA designer: Capabilities page, capabilities and page sizes, Connectivity, Global, Schema
        /// pages 1..n, schema discovery, then the Partition (when partitions are supported) and RunStep
        /// pages. Stops at the first page whose validation fails, as the designer's Next button does.
        /// </summary>
        public DesignerResult RunDesigner()
        {
            var pages = new List<DesignerPage>();
            DesignerResult Stop() => new DesignerResult(pages, null);

            var capsPage = ShowPage(ConfigParameterPage.Capabilities, 1);
            if (capsPage != null)
            {
                pages.Add(capsPage);
                if (capsPage.Failed) return Stop();
            }
            LoadCapabilities();
            foreach (var page in new[] { ConfigParameterPage.Connectivity, ConfigParameterPage.Global })
            {
                var p = ShowPage(page, 1);
                if (p == null) continue;
                pages.Add(p);
                if (p.Failed) return Stop();
            }
            for (var n = 1; n <= 50; n++)
            {
                var p = ShowPage(ConfigParameterPage.Schema, n);
                if (p == null) break;
                pages.Add(p);
                if (p.Failed) return Stop();
                if (n == 50) Violations.Add("parameters Schema", "parameters.schema-pages", "50 Schema pages and still not an empty one");
            }
            var schema = DiscoverSchema();
            if (Capabilities!.SupportPartitions)
            {
                var p = ShowPage(ConfigParameterPage.Partition, 1);
                if (p != null)
                {
                    pages.Add(p);
                    if (p.Failed) return new DesignerResult(pages, schema);
                }
            }
            var run = ShowPage(ConfigParameterPage.RunStep, 1);
            if (run != null) pages.Add(run);
            return new DesignerResult(pages, schema);
        }

        /// <summary>
        /// Capabilities as the engine gets them when the extension is registered: GetCapabilitiesEx with the
        /// values so far (or the Capabilities property), plus the page sizes of the import/export interfaces.
        /// </summary>
        public MACapabilities LoadCapabilities()
        {
            MACapabilities? caps;
            if (Catalog.Implements<IMAExtensible2GetCapabilitiesEx>())
                caps = Call("GetCapabilitiesEx", () => Catalog.Create<IMAExtensible2GetCapabilitiesEx>().GetCapabilitiesEx(Config));
            else if (Catalog.Implements<IMAExtensible2GetCapabilities>())
                caps = Call("Capabilities", () => Catalog.Create<IMAExtensible2GetCapabilities>().Capabilities);
            else
                caps = new MACapabilities();
            MimChecks.Capabilities(caps, Violations);
            Capabilities = caps ?? new MACapabilities();
            if (Capabilities.SupportImport && !Catalog.Implements<IMAExtensible2CallImport>() && !Catalog.Implements<IMAExtensible2FileImport>())
                Violations.Add("capabilities", "capabilities.import", "SupportImport without an import interface");
            if (Capabilities.SupportExport && !Catalog.Implements<IMAExtensible2CallExport>() && !Catalog.Implements<IMAExtensible2FileExport>())
                Violations.Add("capabilities", "capabilities.export", "SupportExport without an export interface");
            if (Capabilities.SupportPassword && !Catalog.Implements<IMAExtensible2Password>())
                Violations.Add("capabilities", "capabilities.password", "SupportPassword without IMAExtensible2Password");
            if (Capabilities.SupportPartitions && !Catalog.Implements<IMAExtensible2GetPartitions>())
                Violations.Add("capabilities", "capabilities.partitions", "SupportPartitions without IMAExtensible2GetPartitions");
            if (Capabilities.SupportHierarchy && !Catalog.Implements<IMAExtensible2GetHierarchy>())
                Violations.Add("capabilities", "capabilities.hierarchy", "SupportHierarchy without IMAExtensible2GetHierarchy");
            if (Catalog.Implements<IMAExtensible2CallImport>())
            {
                var import = Catalog.Create<IMAExtensible2CallImport>();
                ImportDefaultPageSize = import.ImportDefaultPageSize;
                ImportMaxPageSize = import.ImportMaxPageSize;
                CheckPageSizes("import", ImportDefaultPageSize, ImportMaxPageSize);
            }
            if (Catalog.Implements<IMAExtensible2CallExport>())
            {
                var export = Catalog.Create<IMAExtensible2CallExport>();
                ExportDefaultPageSize = export.ExportDefaultPageSize;
                ExportMaxPageSize = export.ExportMaxPageSize;
                CheckPageSizes("export", ExportDefaultPageSize, ExportMaxPageSize);
            }
            return Capabilities;
        }

        private void CheckPageSizes(string what, int def, int max)
        {
            if (def < 1 || max < 1 || def > max)
                Violations.Add("capabilities", "capabilities.page-size", $"{what} page sizes default {def}, max {max}: MIM needs 1 ≤ default ≤ max");
        }

        /// <summary>
        /// One designer page: GetConfigParametersEx (GetConfigParameters for page 1 of an extension
        /// without Ex), the administrator's values (entered, else the stored ones, else the defaults) stored
        /// for its fields, then ValidateConfigParametersEx. Null when the page is empty.
        /// </summary>
        public DesignerPage? ShowPage(ConfigParameterPage page, int pageNumber)
        {
            var step = $"parameters {page}/{pageNumber}";
            IList<ConfigParameterDefinition>? defs;
            if (Catalog.Implements<IMAExtensible2GetParametersEx>())
                defs = Call(step, () => Catalog.Create<IMAExtensible2GetParametersEx>().GetConfigParametersEx(Config, page, pageNumber));
            else if (Catalog.Implements<IMAExtensible2GetParameters>() && pageNumber == 1)
                defs = Call(step, () => Catalog.Create<IMAExtensible2GetParameters>().GetConfigParameters(Config, page));
            else
                return null;
            if (defs == null)
            {
                // The designer treats null like an empty page (and Lithnet returns null for pages it has none on).
                return null;
            }
            if (defs.Count == 0) return null;
            MimChecks.Definitions(step, defs, new HashSet<string>(definedNames.Where(n => !DefinedOn(page, pageNumber, n)), StringComparer.Ordinal), Violations);
            foreach (var d in defs)
            {
                if (d == null || string.IsNullOrEmpty(d.Name) || d.Type == ConfigParameterType.Label || d.Type == ConfigParameterType.Divider) continue;
                pageOf[d.Name] = (page, pageNumber);
                definedNames.Add(d.Name);
                if (d.Type == ConfigParameterType.EncryptedString)
                {
                    var v = entered.TryGetValue(d.Name, out var e) ? e : d.DefaultValue ?? "";
                    if (!secrets.Contains(d.Name) && entered.ContainsKey(d.Name))
                        Violations.Add(step, "parameters.secret-entered-plain", $"'{d.Name}' is an EncryptedString field; the test entered it with Enter instead of EnterSecret");
                    if (entered.ContainsKey(d.Name) || !Config.Contains(d.Name)) Store(d.Name, v, encrypted: true);
                }
                else
                {
                    if (secrets.Contains(d.Name))
                        Violations.Add(step, "parameters.secret-type", $"'{d.Name}' is a {d.Type} field, not EncryptedString: MIM would store the secret in clear");
                    string v;
                    if (entered.TryGetValue(d.Name, out var e)) v = e;
                    else if (Config.Contains(d.Name) && !Config[d.Name].IsEncrypted) v = Config[d.Name].Value;
                    else v = d.Type == ConfigParameterType.CheckBox ? (d.DefaultValue == "1" ? "1" : "0") : d.DefaultValue ?? "";
                    if (d.Type == ConfigParameterType.DropDown && !d.DropDownExtensible && v.Length > 0 && !MimChecks.SplitDropDown(d.Validation).Contains(v))
                        Violations.Add(step, "parameters.dropdown-value", $"'{v}' is not a choice of drop-down '{d.Name}' ({d.Validation}); the designer would not let it be picked");
                    Store(d.Name, v, encrypted: false);
                }
            }
            var validation = Validate(page, pageNumber);
            return new DesignerPage(page, pageNumber, defs, validation);
        }

        private readonly Dictionary<string, (ConfigParameterPage, int)> pageOf = new Dictionary<string, (ConfigParameterPage, int)>(StringComparer.Ordinal);

        private bool DefinedOn(ConfigParameterPage page, int number, string name) =>
            pageOf.TryGetValue(name, out var at) && at.Item1 == page && at.Item2 == number;

        /// <summary>ValidateConfigParametersEx for a page with the stored values (what the designer's Next/OK does).</summary>
        public ParameterValidationResult? Validate(ConfigParameterPage page, int pageNumber)
        {
            var step = $"validate {page}/{pageNumber}";
            ParameterValidationResult? result;
            if (Catalog.Implements<IMAExtensible2GetParametersEx>())
                result = Call(step, () => Catalog.Create<IMAExtensible2GetParametersEx>().ValidateConfigParametersEx(Config, page, pageNumber));
            else if (Catalog.Implements<IMAExtensible2GetParameters>())
                result = Call(step, () => Catalog.Create<IMAExtensible2GetParameters>().ValidateConfigParameters(Config, page));
            else
                return null;
            MimChecks.Validation(step, result, Violations);
            if (result != null && result.Code == ParameterValidationResultCode.Failure && !string.IsNullOrEmpty(result.ErrorParameter) && !definedNames.Contains(result.ErrorParameter))
                Violations.Add(step, "validation.parameter", $"the failure names '{result.ErrorParameter}', which no page defines: the designer cannot point at it");
            return result;
        }

        /// <summary>GetSchema with every value stored so far (schema discovery / Refresh schema).</summary>
        public Schema DiscoverSchema()
        {
            if (Capabilities == null) LoadCapabilities();
            var schema = Call("GetSchema", () => Catalog.Create<IMAExtensible2GetSchema>().GetSchema(Config));
            MimChecks.Schema(schema, Violations);
            Schema = schema ?? throw new InvalidOperationException("GetSchema returned null");
            return Schema;
        }

        // ---- run steps ---------------------------------------------------------------------------------

        /// <summary>Opens an import run step (OpenImportConnection); the caller pulls pages and closes it.</summary>
        public ImportRun OpenImport(OperationType importType, int? pageSize = null)
        {
            RequireSchema();
            return ImportRun.Open(this, importType, pageSize ?? (ImportDefaultPageSize > 0 ? ImportDefaultPageSize : 100));
        }

        /// <summary>A whole import run step: open, pages until MoreToImport is false, close (Normal).</summary>
        public ImportRunResult RunImport(OperationType importType, int? pageSize = null)
        {
            var run = OpenImport(importType, pageSize);
            return run.RunToEnd();
        }

        public ImportRunResult FullImport(int? pageSize = null) => RunImport(OperationType.Full, pageSize);

        public ImportRunResult DeltaImport(int? pageSize = null) => RunImport(OperationType.Delta, pageSize);

        /// <summary>
        /// An export run step (delta export) of the given pending exports: OpenExportConnection,
        /// PutExportEntries in batches of at most <paramref name="batchSize"/> (references in a second
        /// pass when the MA asks for it), CloseExportConnection.
        /// </summary>
        public ExportRunResult Export(IEnumerable<PendingExport> pending, int? batchSize = null)
        {
            RequireSchema();
            return ExportRun.Run(this, pending.ToList(), batchSize ?? (ExportDefaultPageSize > 0 ? ExportDefaultPageSize : 100));
        }

        /// <summary>
        /// A password reset as MIM does it (PCNS or a portal reset): OpenPasswordConnection, GetConnectionSecurityLevel
        /// (MIM refuses to send a password over a NotSecure connection), SetPassword with the object's CSEntry,
        /// ClosePasswordConnection. Throws what the extension throws.
        /// </summary>
        public void SetPassword(CsObject target, string newPassword, PasswordOptions options) =>
            PasswordCall(target, "SetPassword", (ext, entry) => ext.SetPassword(entry, ToSecure(newPassword), options));

        /// <summary>A password change (old and new password), in the same call order as <see cref="SetPassword"/>.</summary>
        public void ChangePassword(CsObject target, string oldPassword, string newPassword) =>
            PasswordCall(target, "ChangePassword", (ext, entry) => ext.ChangePassword(entry, ToSecure(oldPassword), ToSecure(newPassword)));

        private void PasswordCall(CsObject target, string what, Action<IMAExtensible2Password, CSEntry> call)
        {
            RequireSchema();
            if (target == null) throw new ArgumentNullException(nameof(target));
            if (!Capabilities!.SupportPassword) throw new InvalidOperationException("the MA does not support password management");
            var type = Schema!.Types[target.ObjectType];
            var ext = Catalog.Create<IMAExtensible2Password>();
            Call("password open", () => ext.OpenPasswordConnection(Config, Partition));
            var closed = false;
            try
            {
                var level = Call("password security level", () => ext.GetConnectionSecurityLevel());
                if (!Enum.IsDefined(typeof(ConnectionSecurityLevel), level))
                    Violations.Add("password", "password.security-level", $"ConnectionSecurityLevel {(int)level} is not a member");
                if (level != ConnectionSecurityLevel.Secure)
                    throw new InvalidOperationException("the extension reports a NotSecure connection: MIM does not send passwords over it unless the MA allows low security");
                Call("password " + what, () => call(ext, new EngineCSEntry(target, type)));
                closed = true;
                Call("password close", () => ext.ClosePasswordConnection());
            }
            finally
            {
                if (!closed)
                {
                    try
                    {
                        ext.ClosePasswordConnection();
                    }
                    catch (Exception e)
                    {
                        Log($"password close after failure: {e.GetType().Name}: {e.Message}");
                    }
                }
            }
        }

        private void RequireSchema()
        {
            if (Capabilities == null) LoadCapabilities();
            if (Schema == null) DiscoverSchema();
        }

        // ---- plumbing ------------------------------------------------------------------------------------

        internal void Log(string line) => Trace?.Invoke(line);

        /// <summary>Calls into the extension; an exception that is not MIM's own family is a violation (stopped-extension-dll-exception).</summary>
        internal T Call<T>(string step, Func<T> call)
        {
            var started = DateTime.UtcNow;
            try
            {
                var r = call();
                Log($"{step}: {(DateTime.UtcNow - started).TotalMilliseconds:0} ms");
                return r;
            }
            catch (Exception e)
            {
                Log($"{step}: {e.GetType().Name} after {(DateTime.UtcNow - started).TotalMilliseconds:0} ms: {e.Message}");
                if (!(e is ExtensionException))
                    Violations.Add(step, "exception.not-mim", $"{e.GetType().FullName} escaped the extension (MIM: {MimRunStatus.Of(e)}): {e.Message}");
                throw;
            }
        }

        internal void Call(string step, Action call) => Call<object?>(step, () =>
        {
            call();
            return null;
        });

        internal void AddEscrow(ExportEscrow e) => escrow.Add(e);

        /// <summary>After an import applied objects: exported values it confirms leave the escrow; contradicted ones are reported.</summary>
        internal void ConfirmEscrow(ISet<CsObject> imported, ISet<string> deletedAnchors)
        {
            foreach (var e in escrow.ToList())
            {
                if (e.Kind == EscrowKind.Delete)
                {
                    if (e.AnchorKey != null && deletedAnchors.Contains(e.AnchorKey)) escrow.Remove(e);
                    continue;
                }
                var o = e.AnchorKey != null ? Space.ByAnchor(e.AnchorKey) : null;
                if (o == null || !imported.Contains(o)) continue;
                if (e.Kind == EscrowKind.Add)
                {
                    escrow.Remove(e);
                    continue;
                }
                var have = o.Values(e.Attribute!);
                if (SameValues(have, e.Expected!.Select(v => v is CsObject t ? t.DN : v).ToList())) escrow.Remove(e);
                else
                {
                    escrow.Remove(e);
                    NotReimported.Add(e);
                }
            }
        }

        internal static bool SameValues(IReadOnlyList<object> a, IReadOnlyList<object> b)
        {
            if (a.Count != b.Count) return false;
            var left = a.Select(ValueKey).OrderBy(x => x, StringComparer.Ordinal).ToList();
            var right = b.Select(ValueKey).OrderBy(x => x, StringComparer.Ordinal).ToList();
            return left.SequenceEqual(right, StringComparer.OrdinalIgnoreCase);
        }

        internal static string ValueKey(object v) => v switch
        {
            byte[] b => "b:" + Convert.ToBase64String(b),
            bool x => x ? "true" : "false",
            long l => l.ToString(System.Globalization.CultureInfo.InvariantCulture),
            int i => i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            CsObject o => o.DN,
            _ => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? "",
        };
    }

    public enum EscrowKind
    {
        Add,
        Attribute,
        Delete,
    }

    /// <summary>An exported change awaiting its confirming import.</summary>
    public sealed class ExportEscrow
    {
        internal ExportEscrow(EscrowKind kind, string? anchorKey, string dn, string? attribute, IReadOnlyList<object>? expected)
        {
            Kind = kind;
            AnchorKey = anchorKey;
            DN = dn;
            Attribute = attribute;
            Expected = expected;
        }

        public EscrowKind Kind { get; }
        public string? AnchorKey { get; }
        public string DN { get; }
        public string? Attribute { get; }
        public IReadOnlyList<object>? Expected { get; }

        public override string ToString() =>
            Kind == EscrowKind.Attribute
                ? $"{DN}.{Attribute} = [{string.Join(", ", Expected!.Select(MimSyncSimulator.ValueKey))}]"
                : $"{Kind} {DN}";
    }

    /// <summary>The step status MIM records when an extension method throws (ecma2-api.md §12.1).</summary>
    public static class MimRunStatus
    {
        public static string Of(Exception e) => e switch
        {
            ServerDownException _ => "stopped-server-down",
            BadServerCredentialsException _ => "stopped-bad-server-credentials",
            EntryPointNotImplementedException _ => "stopped-entry-point-not-implemented",
            UnexpectedDataException _ => "stopped-unexpected-data",
            WarningNoWatermarkException _ => "stopped-warning-no-watermark",
            TerminateRunException _ => "stopped-extension-terminated",
            ExtensionException _ => "stopped-extensible-extension-error",
            _ => "stopped-extension-dll-exception",
        };
    }
}
