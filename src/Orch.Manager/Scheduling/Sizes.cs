using System.Globalization;

namespace Orch.Manager.Scheduling;

/// <summary>Human sizes for reasons ("512MiB", "1.5GiB", "0.5 CPU").</summary>
internal static class Sizes
{
    public static string Bytes(long bytes)
    {
        const long KiB = 1024, MiB = KiB * 1024, GiB = MiB * 1024;
        return bytes switch
        {
            >= GiB => Unit(bytes, GiB, "GiB"),
            >= MiB => Unit(bytes, MiB, "MiB"),
            >= KiB => Unit(bytes, KiB, "KiB"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, bytes)}B"),
        };
    }

    public static string Cpus(long nanoCpus) =>
        (nanoCpus / 1e9).ToString("0.###", CultureInfo.InvariantCulture);

    private static string Unit(long bytes, long unit, string name) =>
        ((double)bytes / unit).ToString("0.#", CultureInfo.InvariantCulture) + name;
}
