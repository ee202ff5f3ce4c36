using System.Diagnostics;
using System.Globalization;
using Orch.Engine.Network.Netlink;

namespace Orch.Engine.Network;

/// <summary>Attach: the steps that create per-container state.</summary>
public sealed partial class BridgeNetworkDriver
{
    public async Task<NetworkAttachment> AttachAsync(string containerId, int pid, IReadOnlyList<PortBinding> ports, string? hostname, CancellationToken ct)
    {
        ValidateContainerId(containerId);
        ValidatePid(pid);
        var wanted = ports.Select(PortReservations.Validate).ToList();
        var sw = Stopwatch.StartNew();
        await EnterWhenReleasedAsync(containerId, ct);
        try
        {
            var previous = leases.Get(containerId);
            var others = ActiveLeases().Where(l => l.ContainerId != containerId).ToList();
            var resolved = new List<PortBinding>();
            foreach (var p in wanted)
            {
                resolved.Add(PortReservations.Reserve(p, others, resolved));
            }
            // A container attached again (restart: new process, new netns) keeps its address.
            var address = previous is null ? leases.Allocate() : Ipv4Subnet.ToUInt32(previous.IPAddress);
            var lease = new Lease(containerId, Ipv4Subnet.Format(address), Ipv4Subnet.MacFor(address),
                HostInterfaceFor(containerId), resolved, hostname);
            // The lease is on disk before any kernel object exists, so a crash in between leaves nothing untracked.
            leases.Put(lease);
            try
            {
                await CreateVethAsync(lease, pid, ct);
                if (resolved.Count > 0 || previous is { Ports.Count: > 0 })
                {
                    await HostCommand.RestoreAsync(rules.Ports(ActiveLeases()), ct);
                }
            }
            catch
            {
                RemoveVeth(lease.HostInterface);
                if (previous is null)
                {
                    leases.Remove(containerId);
                }
                else
                {
                    leases.Put(previous);
                }
                throw;
            }
            LogAttached(containerId, lease.IPAddress, lease.HostInterface, pid, resolved.Count, sw.Elapsed.TotalMilliseconds);
            return new NetworkAttachment(containerId, lease.IPAddress, subnet.PrefixLength, Gateway, lease.MacAddress,
                lease.HostInterface, resolved);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Takes the gate once no release of <paramref name="containerId"/> is in flight (a restarted container
    /// re-attaching right after its detach must not meet its old veth).
    /// </summary>
    private async Task EnterWhenReleasedAsync(string containerId, CancellationToken ct)
    {
        while (true)
        {
            await gate.WaitAsync(ct);
            EnsureLoaded();
            if (!releasing.TryGetValue(containerId, out var pending))
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
