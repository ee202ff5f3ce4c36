using Grpc.Core;
using Orch.Api.V1;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.Container;

/// <summary>orch run: create + start, then attach (foreground) or print the id (-d).</summary>
internal sealed class RunCommand : ICommand
{
    public string Name => "container run";
    public string Summary => "Create and run a new container from an image";
    public string Usage => "[OPTIONS] IMAGE [COMMAND] [ARG...]";
    public int DaemonErrorExitCode => 125;

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new RunFlags(ctx, this, withDetach: true);
        var request = flags.Parse(args);
        var create = ctx.Engine.CreateContainerAsync(request, cancellationToken: ct);
        // Foreground: the attach stream is opened while the create is in flight (the daemon's Attach waits for
        // its first message, the id), so setting it up is off the round trip. Dropped unused if the create fails.
        using var call = flags.Detach ? null : ctx.Engine.Attach(cancellationToken: ct);
        string id;
        try
        {
            id = (await create).Id;
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Unavailable)
        {
            ctx.Err.WriteLine("orch: " + ctx.Describe(e) + ".");
            return DaemonErrors.ExitCode(e, 125);
        }
        try
        {
            if (flags.Detach)
            {
                await ctx.Engine.StartContainerAsync(new ContainerRef { Id = id }, cancellationToken: ct);
                ctx.Out.WriteLine(id);
                return 0;
            }
            return await StdioSession.RunAsync(call!, new StdioRequest { Attach = id }, flags.Interactive, flags.Tty, ct);
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Unavailable && e.StatusCode != StatusCode.Cancelled)
        {
            ctx.Err.WriteLine("orch: " + ctx.Describe(e) + ".");
            // The container never ran: unlike Docker, which keeps it as "Created", leave nothing behind.
            try
            {
                await ctx.Engine.RemoveContainerAsync(new RemoveContainerRequest { Id = id, Force = true }, cancellationToken: CancellationToken.None);
            }
            catch (RpcException)
            {
                // Already gone (--rm).
            }
            return DaemonErrors.ExitCode(e, 125);
        }
    }
}
