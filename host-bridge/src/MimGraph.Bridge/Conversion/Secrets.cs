using System;
using System.Runtime.InteropServices;
using System.Security;

namespace MimGraph.Bridge.Conversion
{
    /// <summary>
    /// SecureString → string, for the moment a secret crosses the channel. The unmanaged copy is zeroed
    /// and freed at once; the managed string lives only in the message being sent. Nothing here logs.
    /// </summary>
    internal static class Secrets
    {
        public static string ToPlainText(SecureString? secure)
        {
            if (secure == null || secure.Length == 0) return string.Empty;
            IntPtr p = IntPtr.Zero;
            try
            {
                p = Marshal.SecureStringToGlobalAllocUnicode(secure);
                return Marshal.PtrToStringUni(p, secure.Length);
            }
            finally
            {
                if (p != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(p);
            }
        }
    }
}
