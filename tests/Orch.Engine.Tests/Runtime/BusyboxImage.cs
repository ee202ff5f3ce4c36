using Orch.Testing;

namespace Orch.Engine.Tests.Runtime;

/// <summary>
/// The busybox image for runtime tests: a rootfs from Debian's busybox-static (one static binary and
/// its applet links), served by orchd's directory image store until the OCI image store is wired.
/// </summary>
internal static class BusyboxImage
{
    public const string Name = "busybox";

    /// <summary>Creates the image in the daemon's data root; returns the layer directory.</summary>
    public static string Install(TestDaemon d)
    {
        var rootfs = Path.Combine(d.DataRoot, "dir-images", Name, "rootfs");
        if (Directory.Exists(rootfs))
        {
            return rootfs;
        }
        var bin = Path.Combine(rootfs, "bin");
        Directory.CreateDirectory(bin);
        foreach (var dir in new[] { "etc", "tmp", "root", "www" })
        {
            Directory.CreateDirectory(Path.Combine(rootfs, dir));
        }
        File.Copy("/bin/busybox", Path.Combine(bin, "busybox"));
        var list = ProcessRunner.RunAsync("/bin/busybox", ["--list"]).GetAwaiter().GetResult();
        foreach (var applet in list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (applet != "busybox")
            {
                File.CreateSymbolicLink(Path.Combine(bin, applet), "busybox");
            }
        }
        File.WriteAllText(Path.Combine(rootfs, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\nalice:x:1000:1000::/home/alice:/bin/sh\n");
        File.WriteAllText(Path.Combine(rootfs, "etc/group"), "root:x:0:\nnogroup:x:65534:\nalice:x:1000:\nstaff:x:50:alice\n");
        return rootfs;
    }
}
