using System.Diagnostics;
using System.Globalization;
using Orch.Engine.Network.Netlink;

namespace Orch.Engine.Network;

/// <summary>Attach, detach and teardown: the steps that create and remove per-container state.</summary>
public sealed partial class BridgeNetworkDriver
{
    public async Task<NetworkAttachment> AttachAsync(string containerId, int pid, IReadOnlyList<PortBinding> ports, string? hostname, CancellationToken ct)
    {
        ValidateContainerId(containerId);
        ValidatePid(pid);
        var wanted = ports.Select(PortReservations.Validate).ToList();
        await gate.WaitAsync(ct);
        try
        {
            EnsureLoaded();
            var sw = Stopwatch.StartNew();
            var previous = leases.Get(containerId);
            var others = leases.All.Where(l => l.ContainerId != containerId).ToList();
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
                    await HostCommand.RestoreAsync(rules.Ports(leases.All), ct);
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

    public async Task DetachAsync(string containerId, CancellationToken ct)
    {
        ValidateContainerId(containerId);
        await gate.WaitAsync(ct);
        try
        {
            EnsureLoaded();
            var lease = leases.Get(containerId);
            if (lease is { Ports.Count: > 0 })
            {
                // Rules first: the published port stops answering before the address can be reused.
                await HostCommand.RestoreAsync(rules.Ports(leases.All.Where(l => l.ContainerId != containerId)), ct);
            }
            RemoveVeth(lease?.HostInterface ?? HostInterfaceFor(containerId));
            if (lease is not null)
            {
                leases.Remove(containerId);
                LogDetached(containerId, lease.IPAddress);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Deleting one end deletes the pair; when the container's namespace died the pair is already gone.</summary>
    private static void RemoveVeth(string hostInterface)
    {
        if (!InterfaceExists(hostInterface))
        {
            return;
        }
        try
        {
            using var nl = RtNetlink.Open();
            nl.DeleteLink(hostInterface);
        }
        catch (NetworkException e) when (e.Errno == 19 /* ENODEV */)
        {
            // The namespace went away between the check and the delete.
        }
    }

    public async Task TeardownAsync(CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            EnsureLoaded();
            foreach (var lease in leases.All)
            {
                RemoveVeth(lease.HostInterface);
            }
            var script = rules.Teardown(await HostCommand.SaveAsync(ct));
            if (script is not null)
            {
                await HostCommand.RestoreAsync(script, ct);
            }
            if (InterfaceExists(bridge))
            {
                await HostCommand.IpBatchAsync([$"link del {bridge}"], ct);
            }
            leases.Clear();
            LogTornDown(bridge);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>True when no container holds a lease (the daemon may then tear the network down on exit).</summary>
    public bool IsIdle
    {
        get
        {
            gate.Wait();
            try
            {
                EnsureLoaded();
                return leases.All.Count == 0;
            }
            finally
            {
                gate.Release();
            }
        }
    }
}
