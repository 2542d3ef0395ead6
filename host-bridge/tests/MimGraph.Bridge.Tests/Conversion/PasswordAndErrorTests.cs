using System;
using System.Collections.Generic;
using Microsoft.MetadirectoryServices;
using MimGraph.Bridge.Conversion;
using MimGraph.Bridge.Ecma;
using MimGraph.Bridge.Protocol;
using Xunit;

namespace MimGraph.Bridge.Tests.Conversion
{
    /// <summary>A CSEntry as the engine would hand it to SetPassword: DN, object type and a few attributes.</summary>
    internal sealed class FakeCSEntry : CSEntry
    {
        private readonly Dictionary<string, string> _values;
        private readonly bool _throwOnUnknown;

        public FakeCSEntry(string? dn, string objectType, Dictionary<string, string>? values = null, bool throwOnUnknown = false)
        {
            DN = dn == null ? null! : new FakeReference(dn);
            ObjectType = objectType;
            _values = values ?? new Dictionary<string, string>();
            _throwOnUnknown = throwOnUnknown;
        }

        public override ReferenceValue DN { get; set; }
        public override string RDN { get => DN.ToString(); set => throw new NotSupportedException(); }
        public override ValueCollection ObjectClass { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override string ObjectType { get; }
        public override ConnectionState ConnectionState => ConnectionState.Connected;
        public override ManagementAgent MA => throw new NotSupportedException();
        public override RuleType ConnectionRule => RuleType.Provisioning;
        public override DateTime ConnectionChangeTime => DateTime.MinValue;

        public override Attrib this[string attributeName]
        {
            get
            {
                if (_values.TryGetValue(attributeName, out var v)) return new FakeAttrib(attributeName, v);
                if (_throwOnUnknown) throw new NoSuchAttributeInObjectTypeException(attributeName);
                return new FakeAttrib(attributeName, null);
            }
        }

        public override AttributeNameEnumerator GetEnumerator() => throw new NotSupportedException();
        public override void Deprovision() => throw new NotSupportedException();
        public override void CommitNewConnector() => throw new NotSupportedException();
        public override string ToString() => DN?.ToString() ?? "";
    }

    internal sealed class FakeAttrib : Attrib
    {
        private readonly string? _value;

        public FakeAttrib(string name, string? value)
        {
            Name = name;
            _value = value;
        }

        public override string Name { get; }
        public override AttributeType DataType => AttributeType.String;
        public override bool IsPresent => _value != null;
        public override bool IsMultivalued => false;
        public override ValueCollection Values { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override string Value { get => _value ?? throw new InvalidOperationException("not present"); set => throw new NotSupportedException(); }
        public override string StringValue { get => Value; set => throw new NotSupportedException(); }
        public override ReferenceValue ReferenceValue { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override byte[] BinaryValue { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override long IntegerValue { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override bool BooleanValue { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override DateTime LastContributionTime => DateTime.MinValue;
        public override ManagementAgent LastContributingMA => throw new NotSupportedException();
        public override void Delete() => throw new NotSupportedException();
    }

    internal sealed class FakeReference : ReferenceValue
    {
        private readonly string _dn;
        public FakeReference(string dn) { _dn = dn; }
        public override AttributeType DataType => AttributeType.Reference;
        public override long ToInteger() => throw new NotSupportedException();
        public override byte[] ToBinary() => throw new NotSupportedException();
        public override bool ToBoolean() => throw new NotSupportedException();
        public override string ToString() => _dn;
        public override bool Equals(object? obj) => obj is FakeReference r && r._dn == _dn;
        public override int GetHashCode() => _dn.GetHashCode();
        public override int Depth => 1;
        public override string this[int componentIndex] => _dn;
        public override ReferenceValue Concat(ReferenceValue DN) => throw new NotSupportedException();
        public override ReferenceValue Concat(string DN) => throw new NotSupportedException();
        public override ReferenceValue Parent() => throw new NotSupportedException();
        public override ReferenceValue Parent(int skipLevels) => throw new NotSupportedException();
        public override ReferenceValue Subcomponents(int startingComponent, int endingComponent) => throw new NotSupportedException();
    }

    public class PasswordConversionTests
    {
        [Fact]
        public void TheTargetCarriesDnObjectTypeAndTheIdAnchor()
        {
            var target = PasswordConversion.TargetToJson(new FakeCSEntry("u-1", "user", new Dictionary<string, string> { ["id"] = "u-1", ["displayName"] = "Ann" }));
            Assert.Equal("{\"dn\":\"u-1\",\"objectType\":\"user\",\"anchor\":\"u-1\"}", Json.Write(target));
        }

        [Fact]
        public void WithoutAnAnchorValueTheTargetHasNoAnchor()
        {
            Assert.Equal("{\"dn\":\"{new}\",\"objectType\":\"user\"}", Json.Write(PasswordConversion.TargetToJson(new FakeCSEntry("{new}", "user"))));
            Assert.Equal("{\"dn\":\"x\",\"objectType\":\"contact\"}", Json.Write(PasswordConversion.TargetToJson(new FakeCSEntry("x", "contact", null, throwOnUnknown: true))));
        }

        [Fact]
        public void ATargetWithoutDnIsObjectNotFound()
        {
            var e = Assert.Throws<ConnectorCallException>(() => PasswordConversion.TargetToJson(new FakeCSEntry(null, "user")));
            Assert.Equal("ObjectNotFound", e.MimError);
        }

        [Fact]
        public void OptionsAreFlags()
        {
            Assert.Equal("{\"forceChangeAtLogOn\":false,\"unlockAccount\":false,\"validatePassword\":false}", Json.Write(PasswordConversion.Options(PasswordOptions.None)));
            Assert.Equal("{\"forceChangeAtLogOn\":true,\"unlockAccount\":false,\"validatePassword\":true}",
                Json.Write(PasswordConversion.Options(PasswordOptions.ForceChangeAtLogOn | PasswordOptions.ValidatePassword)));
            Assert.Equal("{\"forceChangeAtLogOn\":false,\"unlockAccount\":true,\"validatePassword\":false}", Json.Write(PasswordConversion.Options(PasswordOptions.UnlockAccount)));
        }
    }

    public class MimErrorsTests
    {
        [Theory]
        [InlineData("BadServerCredentials", typeof(BadServerCredentialsException))]
        [InlineData("ServerDown", typeof(ServerDownException))]
        [InlineData("UnexpectedData", typeof(UnexpectedDataException))]
        [InlineData("WarningNoWatermark", typeof(WarningNoWatermarkException))]
        [InlineData("ExtensibleExtension", typeof(ExtensibleExtensionException))]
        [InlineData("EntryPointNotImplemented", typeof(EntryPointNotImplementedException))]
        [InlineData("TerminateRun", typeof(TerminateRunException))]
        [InlineData("ObjectNotFound", typeof(ObjectNotFoundException))]
        [InlineData("AccessDenied", typeof(AccessDeniedException))]
        [InlineData("PasswordIllFormed", typeof(PasswordIllFormedException))]
        [InlineData("PasswordPolicyViolation", typeof(PasswordPolicyViolationException))]
        [InlineData("PasswordExtension", typeof(PasswordExtensionException))]
        [InlineData("SomethingNew", typeof(ExtensibleExtensionException))]
        public void EachCodeBecomesItsMimException(string code, Type expected)
        {
            var mim = MimErrors.ToMim(new ConnectorCallException(code, "it failed"));
            Assert.IsType(expected, mim);
            Assert.Equal("it failed", mim.Message);
            Assert.IsType<ConnectorCallException>(mim.InnerException);
        }

        [Fact]
        public void PasswordCallsTurnGenericFailuresIntoPasswordExtension()
        {
            Assert.IsType<PasswordExtensionException>(MimErrors.ToMim(new ConnectorCallException("ExtensibleExtension", "x"), passwordCall: true));
            Assert.IsType<PasswordExtensionException>(MimErrors.ToMim(new ConnectorCallException("Whatever", "x"), passwordCall: true));
            Assert.IsType<PasswordPolicyViolationException>(MimErrors.ToMim(new ConnectorCallException("PasswordPolicyViolation", "x"), passwordCall: true));
            Assert.IsType<ServerDownException>(MimErrors.ToMim(new ConnectorCallException("ServerDown", "x"), passwordCall: true));
        }

        [Fact]
        public void TheMessageCarriesGraphsRequestIdOnce()
        {
            var detail = new JsonObject { { "requestId", "0c5a7e2d-1111-2222-3333-444455556666" }, { "status", 503L } };
            var mim = MimErrors.ToMim(new ConnectorCallException("ServerDown", "Graph answered 503", detail));
            Assert.Equal("Graph answered 503 (Graph request-id 0c5a7e2d-1111-2222-3333-444455556666)", mim.Message);
            var already = MimErrors.ToMim(new ConnectorCallException("ServerDown", "Graph answered 503 (request-id 0c5a7e2d-1111-2222-3333-444455556666)", detail));
            Assert.Equal("Graph answered 503 (request-id 0c5a7e2d-1111-2222-3333-444455556666)", already.Message);
        }

        [Fact]
        public void TranslateKeepsMimExceptionsAndWrapsEverythingElse()
        {
            var own = new ServerDownException("down");
            Assert.Same(own, MimErrors.Translate(own, "test"));
            Assert.IsType<UnexpectedDataException>(MimErrors.Translate(new ProtocolException("bad json"), "test"));
            var bug = MimErrors.Translate(new NullReferenceException("oops"), "getImportPage");
            Assert.IsType<ExtensibleExtensionException>(bug);
            Assert.Contains("NullReferenceException", bug.Message);
            Assert.IsType<PasswordExtensionException>(MimErrors.Translate(new InvalidOperationException("x"), "setPassword", passwordCall: true));
        }

        [Fact]
        public void ObjectLevelPasswordAnswersDoNotStopRuns()
        {
            Assert.False(MimErrors.IsRunStopping("PasswordPolicyViolation"));
            Assert.False(MimErrors.IsRunStopping("ObjectNotFound"));
            Assert.True(MimErrors.IsRunStopping("ServerDown"));
            Assert.True(MimErrors.IsRunStopping("BadServerCredentials"));
        }
    }
}
