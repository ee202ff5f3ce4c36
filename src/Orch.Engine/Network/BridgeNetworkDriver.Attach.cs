using System.Diagnostics;
using System.Globalization;
using Orch.Engine.Network.Netlink;

namespace Orch.Engine.Network;

/// <summary>Attach: the steps that create per-container state.</summary>
public sealed partial class BridgeNetworkDriver
{
    /// <summary>Attaches in flight, by container; guarded by the gate. Detach and a second attach of the same container wait for it.</summary>
    private readonly Dictionary<string, Task> attaching = new(StringComparer.Ordinal);

    /// <summary>
    /// The gate is held only to choose the address and ports and record the lease (in memory); the lease is made
    /// durable by a group commit shared with concurrent attaches, then the veth and eth0 are set up without the
    /// gate, so the attaches of a scale-up overlap. Only the iptables rules (built from every lease) take the gate again.
    /// </summary>
    public async Task<NetworkAttachment> AttachAsync(string containerId, int pid, IReadOnlyList<PortBinding> ports, string? hostname, CancellationToken ct)
    {
        ValidateContainerId(containerId);
        ValidatePid(pid);
        var wanted = ports.Select(PortReservations.Validate).ToList();
        var sw = Stopwatch.StartNew();
        await EnterWhenReleasedAsync(containerId, ct);
        Lease? previous;
        Lease lease;
        long version;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            previous = leases.Get(containerId);
            var others = ActiveLeases().Where(l => l.ContainerId != containerId).ToList();
            var resolved = new List<PortBinding>();
            foreach (var p in wanted)
            {
                resolved.Add(PortReservations.Reserve(p, others, resolved));
            }
            // A container attached again (restart: new process, new netns) keeps its address.
            var address = previous is null ? leases.Allocate() : Ipv4Subnet.ToUInt32(previous.IPAddress);
            lease = new Lease(containerId, Ipv4Subnet.Format(address), Ipv4Subnet.MacFor(address),
                HostInterfaceFor(containerId), resolved, hostname);
            leases.Put(lease);
            version = leases.Version;
            attaching[containerId] = done.Task;
        }
        finally
        {
            gate.Release();
        }
        var withPorts = lease.Ports.Count > 0 || previous is { Ports.Count: > 0 };
        try
        {
            // The lease is on disk before any kernel object exists, so a crash in between leaves nothing untracked.
            await CommitAsync(version);
            await CreateVethAsync(lease, pid, ct);
            if (withPorts)
            {
                await RestorePortRulesAsync(ct);
            }
        }
        catch
        {
            RemoveVeth(lease.HostInterface);
            await gate.WaitAsync(CancellationToken.None);
            try
            {
                if (previous is null)
                {
                    leases.Remove(containerId);
                }
                else
                {
                    leases.Put(previous);
                }
                version = leases.Version;
            }
            finally
            {
                gate.Release();
            }
            await CommitAsync(version);
            if (withPorts)
            {
                // A concurrent attach may have published this lease's ports meanwhile.
                await RestorePortRulesAsync(CancellationToken.None);
            }
            throw;
        }
        finally
        {
            await gate.WaitAsync(CancellationToken.None);
            attaching.Remove(containerId);
            gate.Release();
            done.SetResult();
        }
        LogAttached(containerId, lease.IPAddress, lease.HostInterface, pid, lease.Ports.Count, sw.Elapsed.TotalMilliseconds);
        return new NetworkAttachment(containerId, lease.IPAddress, subnet.PrefixLength, Gateway, lease.MacAddress,
            lease.HostInterface, lease.Ports);
    }

    private async Task RestorePortRulesAsync(CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            await HostCommand.RestoreAsync(rules.Ports(ActiveLeases()), ct);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Takes the gate once no release or attach of <paramref name="containerId"/> is in flight (a restarted container
    /// re-attaching right after its detach must not meet its old veth).
    /// </summary>
    private async Task EnterWhenReleasedAsync(string containerId, CancellationToken ct)
    {
        while (true)
        {
            await gate.WaitAsync(ct);
            EnsureLoaded();
            if (!releasing.TryGetValue(containerId, out var pending) && !attaching.TryGetValue(containerId, out pending))
            {
                return;
            }
            gate.Release();
            await pending.WaitAsync(ct);
        }
    }

    private async Task CreateVethAsync(Lease lease, int pid, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var bridgeIndex = InterfaceIndex(bridge);
        var mac = Convert.FromHexString(lease.MacAddress.Replace(":", "", StringComparison.Ordinal));
        using (var host = RtNetlink.Open())
        {
            if (InterfaceExists(lease.HostInterface))
            {
                // Left from an earlier attach of the same container whose namespace still exists.
                host.DeleteLink(lease.HostInterface);
            }
            // The peer is born inside the container's namespace under its final name: no move, no rename.
            host.CreateVeth(lease.HostInterface, bridgeIndex, "eth0", mac, pid);
        }
        var address = Ipv4Subnet.ToUInt32(lease.IPAddress);
        await NetnsThread.RunAsync(pid, nl =>
        {
            nl.SetUp(1); // lo is ifindex 1 in every network namespace
            var eth0 = nl.LinkIndex("eth0");
            nl.AddAddress(eth0, address, subnet.PrefixLength, subnet.Broadcast);
            nl.SetUp(eth0);
            nl.AddDefaultRoute(eth0, subnet.Gateway);
        });
    }

    private static int InterfaceIndex(string name)
    {
        try
        {
            return int.Parse(File.ReadAllText($"/sys/class/net/{name}/ifindex").Trim(), CultureInfo.InvariantCulture);
        }
        catch (IOException e)
        {
            throw new NetworkException($"network interface {name} is missing (was the bridge deleted by hand?)", e);
        }
    }
}
