using Orch.Engine.Network.Netlink;

namespace Orch.Engine.Network;

/// <summary>
/// Detach and teardown. Deleting a veth makes the kernel wait for an RCU grace period (20–40 ms here, even
/// when the container has already exited: its namespace is freed asynchronously and the pair is usually
/// still there when detach runs). That wait is taken off the caller: detach removes the port rules at once,
/// then deletes the veth in the background and releases the lease only after, so the address (and the MAC
/// derived from it) cannot be handed out while the old pair still exists.
/// </summary>
public sealed partial class BridgeNetworkDriver
{
    /// <summary>Releases in flight, by container; guarded by the gate.</summary>
    private readonly Dictionary<string, Task> releasing = new(StringComparer.Ordinal);

    /// <summary>Leases whose container is still attached (not being released).</summary>
    private IEnumerable<Lease> ActiveLeases() => leases.All.Where(l => !releasing.ContainsKey(l.ContainerId));

    public async Task DetachAsync(string containerId, CancellationToken ct)
    {
        ValidateContainerId(containerId);
        await gate.WaitAsync(ct);
        // An attach of this container still setting up its veth finishes first (its lease is already recorded).
        while (attaching.TryGetValue(containerId, out var inFlight))
        {
            gate.Release();
            await inFlight.WaitAsync(ct);
            await gate.WaitAsync(ct);
        }
        try
        {
            EnsureLoaded();
            if (releasing.ContainsKey(containerId))
            {
                return;
            }
            var lease = leases.Get(containerId);
            var hostInterface = lease?.HostInterface ?? HostInterfaceFor(containerId);
            if (lease is { Ports.Count: > 0 })
            {
                // Rules first and synchronously: the published port is closed when detach returns.
                await HostCommand.RestoreAsync(rules.Ports(ActiveLeases().Where(l => l.ContainerId != containerId)), ct);
            }
            if (lease is null && !InterfaceExists(hostInterface))
            {
                return;
            }
            releasing[containerId] = Task.Run(() => ReleaseAsync(containerId, lease, hostInterface), CancellationToken.None);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task ReleaseAsync(string containerId, Lease? lease, string hostInterface)
    {
        Exception? failure = null;
        try
        {
            RemoveVeth(hostInterface);
        }
        catch (NetworkException e)
        {
            failure = e;
        }
        var removed = false;
        await gate.WaitAsync();
        try
        {
            if (failure is not null)
            {
                // The lease stays, so the address is not reused next to a veth that still exists; a later detach retries.
                LogReleaseFailed(containerId, hostInterface, failure.Message);
            }
            else if (lease is not null && leases.Remove(containerId))
            {
                removed = true;
                LogDetached(containerId, lease.IPAddress);
            }
        }
        finally
        {
            gate.Release();
        }
        try
        {
            if (removed)
            {
                await CommitCurrentAsync();
            }
        }
        finally
        {
            // Only now: WhenReleasedAsync and a re-attach of this container wait until the removal is on disk.
            await gate.WaitAsync();
            releasing.Remove(containerId);
            gate.Release();
        }
    }

    /// <summary>Completes when every detach so far has deleted its veth and released its lease (and every attach so far has finished).</summary>
    internal async Task WhenReleasedAsync()
    {
        Task[] pending;
        await gate.WaitAsync();
        try
        {
            pending = [.. releasing.Values, .. attaching.Values];
        }
        finally
        {
            gate.Release();
        }
        await Task.WhenAll(pending);
    }

    /// <summary>Deleting one end deletes the pair; when the container's namespace died the pair may already be gone.</summary>
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
        await WhenReleasedAsync();
        await flushGate.WaitAsync(ct);
        try
        {
            await TeardownLockedAsync(ct);
        }
        finally
        {
            flushGate.Release();
        }
    }

    private async Task TeardownLockedAsync(CancellationToken ct)
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

    /// <summary>True when no container holds a lease once pending releases finish (the daemon may then tear the network down on exit).</summary>
    public async Task<bool> IsIdleAsync()
    {
        await WhenReleasedAsync();
        await gate.WaitAsync();
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
