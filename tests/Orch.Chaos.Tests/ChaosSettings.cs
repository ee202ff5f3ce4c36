using System.Globalization;
using Orch.Chaos.Tests.Faults;

namespace Orch.Chaos.Tests;

/// <summary>
/// A run's parameters, from the environment so that deploy/chaos.sh (and a replay) can set them:
/// ORCH_CHAOS_SEED (default: random, printed), ORCH_CHAOS_MINUTES (workload duration, default 2),
/// ORCH_CHAOS_FAULTS (comma-separated <see cref="FaultKind"/> names, default <see cref="CiFaults"/>),
/// ORCH_CHAOS_CLIENTS (concurrent clients, default 2), ORCH_CHAOS_OUT (where the history and summary go).
/// </summary>
internal sealed record ChaosSettings(int Seed, TimeSpan Duration, IReadOnlyList<FaultKind> Faults, int Clients, string OutDir)
{
    /// <summary>The fault mix CI runs. Every kind the issue names: leader kill, worker kill, manager cut, restarts.</summary>
    public const string CiFaults = "KillLeader,KillWorker,CutManager,RestartNode";

    public static ChaosSettings FromEnvironment(string repoRoot)
    {
        var seedText = Environment.GetEnvironmentVariable("ORCH_CHAOS_SEED");
        var seed = string.IsNullOrEmpty(seedText) ? Random.Shared.Next(1, 1_000_000) : int.Parse(seedText, CultureInfo.InvariantCulture);
        var minutesText = Environment.GetEnvironmentVariable("ORCH_CHAOS_MINUTES");
        var minutes = string.IsNullOrEmpty(minutesText) ? 2.0 : double.Parse(minutesText, CultureInfo.InvariantCulture);
        var clientsText = Environment.GetEnvironmentVariable("ORCH_CHAOS_CLIENTS");
        var clients = string.IsNullOrEmpty(clientsText) ? 2 : int.Parse(clientsText, CultureInfo.InvariantCulture);
        var faults = Environment.GetEnvironmentVariable("ORCH_CHAOS_FAULTS") is { Length: > 0 } f ? f : CiFaults;
        var outDir = Environment.GetEnvironmentVariable("ORCH_CHAOS_OUT") is { Length: > 0 } o ? o : Path.Combine(repoRoot, "out", "chaos");
        return new ChaosSettings(seed, TimeSpan.FromMinutes(minutes), FaultSchedule.ParseKinds(faults), clients, Path.Combine(outDir, $"seed-{seed}"));
    }

    public string Replay => $"deploy/chaos.sh --seed {Seed} --minutes {Duration.TotalMinutes.ToString("0.##", CultureInfo.InvariantCulture)}" +
        (string.Join(',', Faults) == CiFaults ? "" : $" --faults {string.Join(',', Faults)}");
}
