using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Orch.Engine.Network.Netlink;

/// <summary>
/// Runs netlink work inside the network namespace of a process. setns(2) with CLONE_NEWNET changes only the
/// calling thread, so the work runs on a thread of its own that enters the namespace and then simply ends:
/// it is never returned to a pool, so no other code can run in the container's namespace by accident.
/// (A netlink socket stays bound to the namespace it was opened in, whatever thread uses it later.)
/// </summary>
internal static partial class NetnsThread
{
    private const int CloneNewNet = 0x40000000;

    public static Task RunAsync(int pid, Action<RtNetlink> work)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Microsoft.Win32.SafeHandles.SafeFileHandle ns;
        try
        {
            ns = File.OpenHandle($"/proc/{pid}/ns/net");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NetworkException($"no network namespace for process {pid}: {e.Message}", e);
        }
        var thread = new Thread(() =>
        {
            try
            {
                using (ns)
                {
                    if (Setns((int)ns.DangerousGetHandle(), CloneNewNet) != 0)
                    {
                        throw new NetworkException($"setns into the network namespace of {pid}: {new Win32Exception(Marshal.GetLastPInvokeError()).Message}");
                    }
                }
                using var nl = RtNetlink.Open();
                work(nl);
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "netns-" + pid.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        thread.Start();
        return done.Task;
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int Setns(int fd, int nstype);
}
