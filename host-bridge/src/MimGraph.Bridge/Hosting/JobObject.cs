using System;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace MimGraph.Bridge.Hosting
{
    /// <summary>
    /// On Windows, a job object with JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE: the worker (and anything it starts)
    /// dies when MIM's process does, even when MIM is killed. Elsewhere nothing (the worker exits when its
    /// stdin ends, which happens when this process dies). Framework-only P/Invoke into kernel32.
    /// </summary>
    internal sealed class JobObject : IDisposable
    {
        private const int JobObjectExtendedLimitInformation = 9;
        private const uint JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x00002000;

        private IntPtr _handle;

        private JobObject(IntPtr handle)
        {
            _handle = handle;
        }

        /// <summary>A job holding <paramref name="process"/>, or null off Windows or when Windows refuses (logged).</summary>
        public static JobObject? Attach(Process process)
        {
            if (!BridgeSettings.IsWindows) return null;
            IntPtr handle = IntPtr.Zero;
            try
            {
                handle = NativeMethods.CreateJobObject(IntPtr.Zero, null);
                if (handle == IntPtr.Zero) throw new InvalidOperationException("CreateJobObject failed, error " + Marshal.GetLastWin32Error());

                var info = new JOBOBJECT_EXTENDED_LIMIT_INFORMATION();
                info.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
                int size = Marshal.SizeOf(typeof(JOBOBJECT_EXTENDED_LIMIT_INFORMATION));
                IntPtr buffer = Marshal.AllocHGlobal(size);
                try
                {
                    Marshal.StructureToPtr(info, buffer, false);
                    if (!NativeMethods.SetInformationJobObject(handle, JobObjectExtendedLimitInformation, buffer, (uint)size))
                        throw new InvalidOperationException("SetInformationJobObject failed, error " + Marshal.GetLastWin32Error());
                }
                finally
                {
                    Marshal.FreeHGlobal(buffer);
                }

                if (!NativeMethods.AssignProcessToJobObject(handle, process.Handle))
                    throw new InvalidOperationException("AssignProcessToJobObject failed, error " + Marshal.GetLastWin32Error());
                return new JobObject(handle);
            }
            catch (Exception e)
            {
                if (handle != IntPtr.Zero) NativeMethods.CloseHandle(handle);
                TraceLog.Warn("the mimgraph worker could not be tied to this process's lifetime (job object): " + e.Message
                    + "; it still ends when its input closes");
                return null;
            }
        }

        /// <summary>Ends every process in the job (the worker's whole tree).</summary>
        public void Terminate()
        {
            var h = _handle;
            if (h == IntPtr.Zero) return;
            try
            {
                NativeMethods.TerminateJobObject(h, 1);
            }
            catch
            {
                // best effort
            }
        }

        /// <summary>Closing the last handle ends the job's processes (KILL_ON_JOB_CLOSE).</summary>
        public void Dispose()
        {
            var h = _handle;
            _handle = IntPtr.Zero;
            if (h != IntPtr.Zero)
            {
                try
                {
                    NativeMethods.CloseHandle(h);
                }
                catch
                {
                    // best effort
                }
            }
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct JOBOBJECT_BASIC_LIMIT_INFORMATION
        {
            public long PerProcessUserTimeLimit;
            public long PerJobUserTimeLimit;
            public uint LimitFlags;
            public UIntPtr MinimumWorkingSetSize;
            public UIntPtr MaximumWorkingSetSize;
            public uint ActiveProcessLimit;
            public UIntPtr Affinity;
            public uint PriorityClass;
            public uint SchedulingClass;
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct IO_COUNTERS
        {
            public ulong ReadOperationCount;
            public ulong WriteOperationCount;
            public ulong OtherOperationCount;
            public ulong ReadTransferCount;
            public ulong WriteTransferCount;
            public ulong OtherTransferCount;
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct JOBOBJECT_EXTENDED_LIMIT_INFORMATION
        {
            public JOBOBJECT_BASIC_LIMIT_INFORMATION BasicLimitInformation;
            public IO_COUNTERS IoInfo;
            public UIntPtr ProcessMemoryLimit;
            public UIntPtr JobMemoryLimit;
            public UIntPtr PeakProcessMemoryUsed;
            public UIntPtr PeakJobMemoryUsed;
        }

        private static class NativeMethods
        {
            [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
            public static extern IntPtr CreateJobObject(IntPtr lpJobAttributes, string? lpName);

            [DllImport("kernel32.dll", SetLastError = true)]
            [return: MarshalAs(UnmanagedType.Bool)]
            public static extern bool SetInformationJobObject(IntPtr hJob, int infoType, IntPtr lpJobObjectInfo, uint cbJobObjectInfoLength);

            [DllImport("kernel32.dll", SetLastError = true)]
            [return: MarshalAs(UnmanagedType.Bool)]
            public static extern bool AssignProcessToJobObject(IntPtr hJob, IntPtr hProcess);

            [DllImport("kernel32.dll", SetLastError = true)]
            [return: MarshalAs(UnmanagedType.Bool)]
            public static extern bool TerminateJobObject(IntPtr hJob, uint uExitCode);

            [DllImport("kernel32.dll", SetLastError = true)]
            [return: MarshalAs(UnmanagedType.Bool)]
            public static extern bool CloseHandle(IntPtr hObject);
        }
    }
}
