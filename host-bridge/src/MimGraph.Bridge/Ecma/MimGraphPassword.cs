using System;
using System.Collections.ObjectModel;
using System.Security;
using Microsoft.MetadirectoryServices;
using MimGraph.Bridge.Conversion;
using MimGraph.Bridge.Hosting;
using MimGraph.Bridge.Protocol;

namespace MimGraph.Bridge.Ecma
{
    /// <summary>
    /// MIM's password management: openPassword keeps a session; SetPassword/ChangePassword turn the
    /// SecureStrings into text only inside the message of that call; ClosePasswordConnection closes the
    /// session and disposes the channel. Failures follow MIM's password contract (PasswordPolicyViolation,
    /// PasswordIllFormed, ObjectNotFound, AccessDenied, else PasswordExtension).
    /// </summary>
    public class MimGraphPassword : IMAExtensible2Password
    {
        private readonly object _gate = new object();
        private IConnectorChannel? _channel;
        private string? _session;
        private ConnectionSecurityLevel _securityLevel = ConnectionSecurityLevel.NotSecure;

        public MimGraphPassword() { }

        public void OpenPasswordConnection(KeyedCollection<string, ConfigParameter> configParameters, Partition partition)
        {
            ChannelFactory.ConfigureLog(configParameters);
            ClosePasswordConnection();
            IConnectorChannel? channel = null;
            try
            {
                var parameters = new JsonObject(1) { { "config", ConfigValues.ToJson(configParameters) } };
                channel = ChannelFactory.Open("password");
                var answer = channel.Call("openPassword", parameters);
                string session;
                ConnectionSecurityLevel level;
                try
                {
                    session = Wire.RequireName(answer, "session");
                    level = Wire.RequireEnum<ConnectionSecurityLevel>(answer, "securityLevel");
                }
                catch (WireFieldException e)
                {
                    throw Wire.Bad("openPassword answer", e);
                }
                lock (_gate)
                {
                    _channel = channel;
                    _session = session;
                    _securityLevel = level;
                }
            }
            catch (Exception e)
            {
                ChannelFactory.DisposeQuietly(channel);
                throw MimErrors.Translate(e, "openPassword", passwordCall: true);
            }
        }

        public ConnectionSecurityLevel GetConnectionSecurityLevel()
        {
            lock (_gate) return _securityLevel;
        }

        public void SetPassword(CSEntry csentry, SecureString newPassword, PasswordOptions options)
        {
            var (channel, session) = Open("setPassword");
            var parameters = new JsonObject(4);
            try
            {
                parameters.Add("session", session);
                parameters.Add("target", PasswordConversion.TargetToJson(csentry));
                parameters.Add("options", PasswordConversion.Options(options));
                parameters.Add("password", Secrets.ToPlainText(newPassword));
                channel.Call("setPassword", parameters);
            }
            catch (Exception e)
            {
                throw MimErrors.Translate(e, "setPassword", passwordCall: true);
            }
            finally
            {
                parameters.Remove("password");
            }
        }

        public void ChangePassword(CSEntry csentry, SecureString oldPassword, SecureString newPassword)
        {
            var (channel, session) = Open("changePassword");
            var parameters = new JsonObject(4);
            try
            {
                parameters.Add("session", session);
                parameters.Add("target", PasswordConversion.TargetToJson(csentry));
                parameters.Add("oldPassword", Secrets.ToPlainText(oldPassword));
                parameters.Add("newPassword", Secrets.ToPlainText(newPassword));
                channel.Call("changePassword", parameters);
            }
            catch (Exception e)
            {
                throw MimErrors.Translate(e, "changePassword", passwordCall: true);
            }
            finally
            {
                parameters.Remove("oldPassword");
                parameters.Remove("newPassword");
            }
        }

        public void ClosePasswordConnection()
        {
            IConnectorChannel? channel;
            string? session;
            lock (_gate)
            {
                channel = _channel;
                session = _session;
                _channel = null;
                _session = null;
                _securityLevel = ConnectionSecurityLevel.NotSecure;
            }
            if (channel == null || session == null) return;
            try
            {
                channel.Call("closePassword", new JsonObject(1) { { "session", session } });
            }
            catch (Exception e)
            {
                // Closing never fails a password operation that already succeeded.
                TraceLog.Warn("mimgraph: closing the password connection failed: " + e.Message);
            }
            finally
            {
                ChannelFactory.DisposeQuietly(channel);
            }
        }

        private (IConnectorChannel Channel, string Session) Open(string operation)
        {
            lock (_gate)
            {
                if (_channel != null && _session != null) return (_channel, _session);
            }
            throw MimErrors.Translate(new ConnectorCallException("PasswordExtension", operation + " was called without an open password connection (OpenPasswordConnection failed or the connection was closed)"), operation, passwordCall: true);
        }
    }
}
