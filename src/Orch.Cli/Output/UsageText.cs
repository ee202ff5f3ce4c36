using Orch.Cli.Cli;

namespace Orch.Cli.Output;

/// <summary>`orch COMMAND --help`: docker/cli's "Usage:  … / summary / Options:" block.</summary>
internal static class UsageText
{
    public static bool Print(CliContext ctx, FlagSet flags, FlagSet.Flag help, string usage, string summary)
    {
        if (!help.On())
        {
            return false;
        }
        ctx.Out.WriteLine($"Usage:  orch {usage}\n\n{summary}\n\nOptions:\n{flags.Help()}");
        return true;
    }
}
