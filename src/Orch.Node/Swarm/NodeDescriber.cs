using System.Runtime.InteropServices;
using Orch.Api.V1.Objects;

namespace Orch.Node.Swarm;

/// <summary>What a node reports about itself when it joins and registers (node ls / inspect, the scheduler's resources).</summary>
internal static class NodeDescriber
{
    public static NodeDescription Describe() => new()
    {
        Hostname = Environment.MachineName,
        EngineVersion = typeof(NodeDescriber).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
        Os = "linux",
        Architecture = RuntimeInformation.OSArchitecture switch
        {
            Architecture.X64 => "x86_64",
            Architecture.Arm64 => "aarch64",
            var a => a.ToString().ToLowerInvariant(),
        },
        Resources = new NodeResources { NanoCpus = Environment.ProcessorCount * 1_000_000_000L, MemoryBytes = MemTotal() },
    };

    private static long MemTotal()
    {
        // /proc/meminfo: "MemTotal:       24570000 kB"
        foreach (var line in File.ReadLines("/proc/meminfo"))
        {
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
            {
                var kb = line["MemTotal:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }
        return 0;
    }
}
