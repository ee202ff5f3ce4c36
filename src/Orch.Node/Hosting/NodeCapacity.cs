using System.Globalization;
using System.Text.RegularExpressions;

namespace Orch.Node.Hosting;

/// <summary>
/// orchd's --node-memory and --node-cpus: what a node advertises to the scheduler when it should offer less than
/// the machine has (room kept for the system or other work). Never more than the machine has: the scheduler
/// would place reservations the kernel cannot honour.
/// </summary>
internal static partial class NodeCapacity
{
    /// <summary>A size as the CLI's --reserve-memory takes it: 512m, 512MiB, 1.5g, 1GB (binary multiples), bytes when bare.</summary>
    public static long ParseMemory(string value)
    {
        var m = SizePattern().Match(value);
        if (!m.Success || !decimal.TryParse(m.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n))
        {
            throw new ArgumentException($"invalid --node-memory {value}: want a size like 4g or 512MiB");
        }
        var mult = char.ToLowerInvariant(m.Groups[2].Value.FirstOrDefault()) switch
        {
            'k' => 1L << 10,
            'm' => 1L << 20,
            'g' => 1L << 30,
            't' => 1L << 40,
            _ => 1L,
        };
        var bytes = n * mult;
        return bytes >= 1 && bytes <= long.MaxValue ? (long)bytes
            : throw new ArgumentException($"invalid --node-memory {value}: must be more than 0");
    }

    /// <summary>A CPU count, decimals allowed (at most nine), more than 0; returned in nano-CPUs.</summary>
    public static long ParseCpus(string value)
    {
        if (!decimal.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var cpus) || cpus <= 0 || cpus > 1_000_000)
        {
            throw new ArgumentException($"invalid --node-cpus {value}: want a number of CPUs more than 0, like 2 or 1.5");
        }
        var nanos = cpus * 1_000_000_000m;
        return nanos == decimal.Truncate(nanos) ? (long)nanos
            : throw new ArgumentException($"invalid --node-cpus {value}: at most 9 decimals");
    }

    /// <summary>Throws when an override asks for more than the machine has (the message names both numbers).</summary>
    public static void Check(NodeOptions options, long machineMemory, long machineNanoCpus)
    {
        if (options.NodeMemory is { } mem && mem > machineMemory)
        {
            throw new ArgumentException(
                $"--node-memory {Bytes(mem)} is more than this machine has ({Bytes(machineMemory)}): a node may advertise less memory, never more");
        }
        if (options.NodeNanoCpus is { } cpu && cpu > machineNanoCpus)
        {
            throw new ArgumentException(
                $"--node-cpus {Cpus(cpu)} is more than this machine has ({Cpus(machineNanoCpus)}): a node may advertise fewer CPUs, never more");
        }
    }

    private static string Bytes(long b) => b switch
    {
        >= 1L << 30 => $"{(b / (double)(1L << 30)).ToString("0.##", CultureInfo.InvariantCulture)}GiB",
        >= 1L << 20 => $"{(b / (double)(1L << 20)).ToString("0.##", CultureInfo.InvariantCulture)}MiB",
        >= 1L << 10 => $"{(b / (double)(1L << 10)).ToString("0.##", CultureInfo.InvariantCulture)}KiB",
        _ => $"{b}B",
    };

    private static string Cpus(long nanos) => (nanos / 1_000_000_000m).ToString("0.#########", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^(\d+(?:\.\d+)?) ?([kKmMgGtT])?[iI]?[bB]?$")]
    private static partial Regex SizePattern();
}
