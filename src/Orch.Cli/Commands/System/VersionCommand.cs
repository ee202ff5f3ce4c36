using Orch.Api.V1;
using System.Runtime.InteropServices;
using Orch.Cli.Cli;

namespace Orch.Cli.Commands.System;

/// <summary>orch version: client version, then the daemon's (or why it cannot be reached).</summary>
internal sealed class VersionCommand : ICommand
{
    public string Name => "version";
    public string Summary => "Show the orch version information";
    public string Usage => "[OPTIONS]";

    public async Task<int> RunAsync(CliContext ctx, IReadOnlyList<string> args, CancellationToken ct)
    {
        var flags = new FlagSet(ctx, this);
        flags.Parse(args, atMost: 0);
        var client = typeof(VersionCommand).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
        ctx.Out.WriteLine("Client:");
        ctx.Out.WriteLine($" Version:     {client}");
        ctx.Out.WriteLine($" OS/Arch:     linux/{RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant()}");
        var v = await ctx.Engine.VersionAsync(new VersionRequest(), cancellationToken: ct);
        ctx.Out.WriteLine();
        ctx.Out.WriteLine("Server:");
        ctx.Out.WriteLine($" Version:     {v.Version}");
        ctx.Out.WriteLine($" API version: {v.ApiVersion}");
        ctx.Out.WriteLine($" OS/Arch:     {v.Os}/{v.Arch}");
        ctx.Out.WriteLine($" Kernel:      {v.KernelVersion}");
        ctx.Out.WriteLine($" Data root:   {v.DataRoot}");
        return 0;
    }
}
