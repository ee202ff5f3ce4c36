namespace Orch.Cli.Cli;

/// <summary>docker/cli's confirmation before a destructive command without <c>-f</c> (prune).</summary>
internal static class Prompt
{
    /// <summary>Prints "WARNING! …" and "Are you sure you want to continue? [y/N] "; true only for y or yes (any case).</summary>
    public static async Task<bool> ConfirmAsync(CliContext ctx, string warning, CancellationToken ct)
    {
        ctx.Out.Write($"WARNING! {warning}\nAre you sure you want to continue? [y/N] ");
        ctx.Out.Flush();
        var answer = (await Console.In.ReadLineAsync(ct))?.Trim();
        return string.Equals(answer, "y", StringComparison.OrdinalIgnoreCase) || string.Equals(answer, "yes", StringComparison.OrdinalIgnoreCase);
    }
}
