using System.Runtime.InteropServices;
using Orch.Api.V1.Objects;
using Orch.Node.Hosting;

namespace Orch.Node.Swarm;

/// <summary>
/// What a node reports about itself when it joins and registers (node ls / inspect, the scheduler's resources):
/// the machine's memory and CPUs, or less when orchd was told --node-memory / --node-cpus.
/// </summary>
internal static class NodeDescriber
{
    public static NodeDescription Describe(NodeOptions options) => new()
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
        Resources = new NodeResources
        {
            NanoCpus = options.NodeNanoCpus ?? MachineNanoCpus(),
            MemoryBytes = options.NodeMemory ?? MachineMemory(),
        },
    };

    /// <summary>The CPUs this process may use (affinity and cgroup quota count), in nano-CPUs.</summary>
    public static long MachineNanoCpus() => Environment.ProcessorCount * 1_000_000_000L;

    /// <summary>MemTotal of /proc/meminfo, in bytes.</summary>
    public static long MachineMemory()
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
