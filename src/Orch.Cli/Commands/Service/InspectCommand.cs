using Grpc.Core;
using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Service;

/// <summary>orch service inspect [--pretty] SERVICE...: a JSON array (Docker's field names) or the human text.</summary>
internal sealed class InspectCommand : ICommand
{
    public string Name => "service inspect";
    public string Summary => "Display detailed information on one or more services";
    public string Usage => "[OPTIONS] SERVICE [SERVICE...]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var set = new FlagSet(ctx, this);
        var pretty = set.Bool(null, "pretty", "Print the information in a human friendly format");
        set.Parse(args, atLeast: 1);
        var control = ctx.Control();
        var found = new List<Api.V1.Objects.Service>();
        var failed = false;
        foreach (var arg in set.Positionals)
        {
            try
            {
                found.Add(await control.InspectServiceAsync(new InspectServiceRequest { Id = arg }, cancellationToken: ct));
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                ctx.Err.WriteLine($"Error: no such service: {arg}");
                failed = true;
            }
        }
        var balancer = new Dictionary<string, Api.V1.LoadBalancerStats>(StringComparer.Ordinal);
        foreach (var s in found)
        {
            if (await LoadBalancerView.FetchAsync(ctx, s.Id, ct) is { } stats)
            {
                balancer[s.Id] = stats;
            }
        }
        if (pretty.On())
        {
            foreach (var s in found)
            {
                ctx.Out.WriteLine(ServicePretty.Render(s, DateTimeOffset.UtcNow, balancer.GetValueOrDefault(s.Id)));
            }
        }
        else
        {
            ctx.Out.WriteLine(ServiceJson.Array(found, balancer));
        }
        return failed ? 1 : 0;
    }
}
