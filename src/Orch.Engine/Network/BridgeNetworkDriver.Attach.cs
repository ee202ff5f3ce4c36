using System.Diagnostics;
using System.Globalization;

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
                await RemoveVethAsync(lease.HostInterface, CancellationToken.None);
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
        var pidText = pid.ToString(CultureInfo.InvariantCulture);
        var lines = new List<string>();
        if (InterfaceExists(lease.HostInterface))
        {
            // Left from an earlier attach of the same container whose namespace still exists.
            lines.Add($"link del {lease.HostInterface}");
        }
        // The peer is born inside the container's namespace under its final name: no move, no rename.
        lines.Add($"link add {lease.HostInterface} type veth peer name eth0 address {lease.MacAddress} netns {pidText}");
        lines.Add($"link set {lease.HostInterface} master {bridge} up");
        await HostCommand.IpBatchAsync(lines, ct);
        await HostCommand.IpBatchInAsync(pid,
        [
            "link set lo up",
            $"addr add {lease.IPAddress}/{subnet.PrefixLength.ToString(CultureInfo.InvariantCulture)} dev eth0",
            "link set eth0 up",
            $"route add default via {Gateway} dev eth0",
        ], ct);
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
            await RemoveVethAsync(lease?.HostInterface ?? HostInterfaceFor(containerId), ct);
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
    private static async Task RemoveVethAsync(string hostInterface, CancellationToken ct)
    {
        if (!InterfaceExists(hostInterface))
        {
            return;
        }
        try
        {
            await HostCommand.IpBatchAsync([$"link del {hostInterface}"], ct);
        }
        catch (NetworkException) when (!InterfaceExists(hostInterface))
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
                await RemoveVethAsync(lease.HostInterface, ct);
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
