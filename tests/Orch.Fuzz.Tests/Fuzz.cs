using System.Diagnostics;

namespace Orch.Fuzz.Tests;

/// <summary>
/// How long each target runs and from which seed: ORCH_FUZZ_SECONDS (default 2, CI) and ORCH_FUZZ_SEED (a CsCheck
/// seed printed by a failing run, to replay it). A failure message carries the shrunk input and its seed.
/// </summary>
internal static class Fuzz
{
    /// <summary>One input taking longer than this is a hang, not noise (a parser call is microseconds).</summary>
    public static readonly TimeSpan PerInput = TimeSpan.FromSeconds(10);

    public static int Seconds => int.TryParse(Environment.GetEnvironmentVariable("ORCH_FUZZ_SECONDS"), out var s) && s > 0 ? s : 2;

    public static string? Seed => Environment.GetEnvironmentVariable("ORCH_FUZZ_SEED") is { Length: > 0 } s ? s : null;

    /// <summary>Runs <paramref name="property"/> on generated inputs for <see cref="Seconds"/>; fails with the input and seed.</summary>
    public static void Run<T>(Gen<T> gen, Action<T> property, Func<T, string>? print = null) =>
        gen.Sample(x =>
        {
            var sw = Stopwatch.StartNew();
            property(x);
            if (sw.Elapsed > PerInput)
            {
                throw new TimeoutException($"one input took {sw.Elapsed.TotalSeconds:F1} s (bound {PerInput.TotalSeconds} s)");
            }
        }, seed: Seed, time: Seconds, threads: 1, print: print);

    /// <summary>The call either returns or throws <typeparamref name="TError"/>; any other exception fails the property.</summary>
    public static TError? Expect<TError>(Action parse)
        where TError : Exception
    {
        try
        {
            parse();
            return null;
        }
        catch (TError e)
        {
            return e;
        }
    }

    /// <summary>Strings built from pieces that sit on a grammar's edges, plus any character now and then.</summary>
    public static Gen<string> Pieces(params string[] pieces) =>
        Gen.Frequency(
            (8, Gen.OneOf(pieces)),
            (1, Gen.Char.Select(c => c.ToString())),
            (1, Gen.Char['\0', '\x7f'].Select(c => c.ToString())))
        .Array[0, 12].Select(string.Concat);

    public static string Show(string s) => System.Text.Json.JsonSerializer.Serialize(s);
}
