namespace Orch.Engine.Runtime.Cgroups;

/// <summary>
/// Docker's default device rules (moby's DefaultLinuxSpec / runc's AllowedDevices), in the devices.allow
/// syntax of cgroup v1 ("TYPE MAJOR:MINOR ACCESS", see Documentation/admin-guide/cgroup-v1/devices.rst).
/// mknod of any node is allowed (images carry device files), opening only these.
/// </summary>
internal static class DeviceAllowlist
{
    public static readonly string[] Rules =
    [
        "c *:* m",
        "b *:* m",
        "c 1:3 rwm",    // /dev/null
        "c 1:5 rwm",    // /dev/zero
        "c 1:7 rwm",    // /dev/full
        "c 1:8 rwm",    // /dev/random
        "c 1:9 rwm",    // /dev/urandom
        "c 5:0 rwm",    // /dev/tty
        "c 5:1 rwm",    // /dev/console
        "c 5:2 rwm",    // /dev/ptmx
        "c 136:* rwm",  // /dev/pts/*
        "c 10:200 rwm", // /dev/net/tun
    ];
}
