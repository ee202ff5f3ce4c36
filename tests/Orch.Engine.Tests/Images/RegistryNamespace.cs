using Orch.Testing;

namespace Orch.Engine.Tests.Images;

/// <summary>
/// A network namespace joined to the host by a veth pair on 10.198.N.0/30 (host .1, namespace .2), so a
/// registry can listen on an address that is not loopback. Removed (namespace and veth) on dispose.
/// </summary>
internal sealed class RegistryNamespace : IAsyncDisposable
{
    private RegistryNamespace(string name, string hostVeth, string address)
    {
        Name = name;
        HostVeth = hostVeth;
        Address = address;
    }

    public string Name { get; }
    public string HostVeth { get; }

    /// <summary>The namespace side's address, reachable from the host.</summary>
    public string Address { get; }

    public static async Task<RegistryNamespace> CreateAsync()
    {
        Requirements.Root();
        var tag = Guid.NewGuid().ToString("N")[..6];
        var n = Random.Shared.Next(1, 250);
        var ns = new RegistryNamespace("orch-reg-" + tag, "orv" + tag, $"10.198.{n}.2");
        var r = await ProcessRunner.ShAsync($"""
            set -e
            ip netns add {ns.Name}
            ip link add {ns.HostVeth} type veth peer name orp{tag}
            ip link set orp{tag} netns {ns.Name}
            ip addr add 10.198.{n}.1/30 dev {ns.HostVeth}
            ip link set {ns.HostVeth} up
            ip netns exec {ns.Name} ip addr add 10.198.{n}.2/30 dev orp{tag}
            ip netns exec {ns.Name} ip link set orp{tag} up
            ip netns exec {ns.Name} ip link set lo up
            """);
        if (r.ExitCode != 0)
        {
            await ns.DisposeAsync();
            throw new InvalidOperationException("cannot create the registry namespace: " + r);
        }
        return ns;
    }

    public async ValueTask DisposeAsync()
    {
        // Deleting the namespace destroys its veth end, which takes the host end with it; the explicit
        // delete covers a half-made pair.
        await ProcessRunner.ShAsync($"ip netns del {Name} 2>/dev/null; ip link del {HostVeth} 2>/dev/null; true");
    }
}
