using Orch.Api.V1.Objects;
using Orch.Cli.Cli;
using Orch.Cli.Commands.Service;

namespace Orch.Cli.Tests.Service;

/// <summary>Runs the real flag parser and spec builder on a command line, as `orch service create|update` do.</summary>
internal static class Flags
{
    public static ServiceSpec Create(params string[] args)
    {
        var set = new FlagSet("service create") { StopAtFirstPositional = true };
        var f = new ServiceFlags(set, update: false);
        set.Parse(args);
        return ServiceSpecBuilder.Create(f, set.Positionals);
    }

    public static ServiceSpec Update(ServiceSpec current, params string[] args)
    {
        var set = new FlagSet("service update");
        var f = new ServiceFlags(set, update: true);
        set.Parse(args);
        return ServiceSpecBuilder.Update(f, current);
    }
}
