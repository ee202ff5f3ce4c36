using System.Globalization;
using System.Text;

namespace Orch.Node.Hosting;

/// <summary>
/// The daemon's own memory and GC figures for /metrics, under the names Prometheus' client libraries use
/// (process_*, dotnet_*), so a dashboard shows orchd's footprint beside the balancer's counters.
/// </summary>
internal static class RuntimeMetrics
{
    public static string Format()
    {
        var info = GC.GetGCMemoryInfo();
        var text = new StringBuilder();
        Gauge(text, "process_resident_memory_bytes", "Resident memory size in bytes.", Environment.WorkingSet);
        Gauge(text, "dotnet_gc_heap_size_bytes", "Managed heap size after the last collection.", info.HeapSizeBytes);
        Gauge(text, "dotnet_gc_committed_bytes", "Memory the GC has committed.", info.TotalCommittedBytes);
        Gauge(text, "dotnet_gc_fragmented_bytes", "Free space inside the managed heap after the last collection.", info.FragmentedBytes);
        text.Append("# HELP dotnet_gc_allocated_bytes_total Bytes allocated on the managed heap since start.\n# TYPE dotnet_gc_allocated_bytes_total counter\n")
            .Append(CultureInfo.InvariantCulture, $"dotnet_gc_allocated_bytes_total {GC.GetTotalAllocatedBytes()}\n");
        text.Append("# HELP dotnet_gc_collections_total Collections per generation since start.\n# TYPE dotnet_gc_collections_total counter\n");
        for (var gen = 0; gen <= GC.MaxGeneration; gen++)
        {
            text.Append(CultureInfo.InvariantCulture, $"dotnet_gc_collections_total{{generation=\"{gen}\"}} {GC.CollectionCount(gen)}\n");
        }
        return text.ToString();
    }

    private static void Gauge(StringBuilder text, string name, string help, long value) =>
        text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n");
}
