using System.Text.Json;

namespace Orch.Engine.Network;

/// <summary>
/// IPAM for one bridge: which container holds which address. Every change is written to disk before the
/// caller acts on it (temp file + fsync + rename), so a daemon killed with SIGKILL restarts with the same
/// leases and never hands one address to two containers. Not thread-safe: the driver serialises callers.
/// </summary>
internal sealed class LeaseStore(string path, string bridge, Ipv4Subnet subnet)
{
    private readonly Dictionary<string, Lease> leases = new(StringComparer.Ordinal);

    public string Path => path;

    public IReadOnlyCollection<Lease> All => leases.Values;

    public Lease? Get(string containerId) => leases.GetValueOrDefault(containerId);

    public void Load()
    {
        leases.Clear();
        if (!File.Exists(path))
        {
            return;
        }
        LeaseFile? file;
        try
        {
            file = JsonSerializer.Deserialize(File.ReadAllBytes(path), NetworkJsonContext.Default.LeaseFile);
        }
        catch (JsonException e)
        {
            throw new NetworkException($"lease file {path} is corrupt: {e.Message}", e);
        }
        foreach (var lease in file?.Leases ?? [])
        {
            leases[lease.ContainerId] = lease;
        }
    }

    /// <summary>The lowest free address of the subnet (the gateway and broadcast addresses are never leased).</summary>
    public uint Allocate()
    {
        var taken = leases.Values.Select(l => Ipv4Subnet.ToUInt32(l.IPAddress)).ToHashSet();
        for (var a = subnet.FirstHost; a <= subnet.LastHost; a++)
        {
            if (!taken.Contains(a))
            {
                return a;
            }
        }
        throw new NetworkException($"no free address left in {subnet} ({taken.Count} in use)");
    }

    public void Put(Lease lease)
    {
        leases[lease.ContainerId] = lease;
        Save();
    }

    public bool Remove(string containerId)
    {
        if (!leases.Remove(containerId))
        {
            return false;
        }
        Save();
        return true;
    }

    public void Clear()
    {
        leases.Clear();
        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }

    private void Save()
    {
        var dir = System.IO.Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(dir);
        var tmp = path + ".tmp";
        var body = JsonSerializer.SerializeToUtf8Bytes(
            new LeaseFile(bridge, subnet.ToString(), [.. leases.Values.OrderBy(l => l.ContainerId, StringComparer.Ordinal)]),
            NetworkJsonContext.Default.LeaseFile);
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            fs.Write(body);
            fs.Flush(flushToDisk: true);
        }
        // rename(2) is atomic: a reader (or a restarted daemon) sees the old file or the new one, never half of one.
        // The directory is not fsynced: the rename survives kill -9 of the daemon without it, and after a power
        // loss every container is gone anyway; that second journal commit cost ~5 ms per attach here.
        File.Move(tmp, path, overwrite: true);
    }
}
