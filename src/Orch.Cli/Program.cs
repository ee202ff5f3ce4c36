using Grpc.Core;
using Orch.Cli.Cli;

// orch: parse global options, find the command, run it, map failures to Docker's exit codes.
var args0 = args.ToList();
string? host = Environment.GetEnvironmentVariable("ORCH_HOST");
while (args0.Count > 0 && args0[0].StartsWith('-'))
{
    var a = args0[0];
    if (a is "-H" or "--host" && args0.Count > 1)
    {
        host = args0[1];
        args0.RemoveRange(0, 2);
    }
    else if (a.StartsWith("--host=", StringComparison.Ordinal))
    {
        host = a["--host=".Length..];
        args0.RemoveAt(0);
    }
    else if (a is "-h" or "--help")
    {
        Console.WriteLine(CommandTable.Help());
        return 0;
    }
    else if (a is "-v" or "--version")
    {
        args0[0] = "version";
        break;
    }
    else
    {
        Console.Error.WriteLine($"unknown flag: {a}\nSee 'orch --help'.");
        return 125;
    }
}

string socket = CliContext.DefaultSocket;
if (!string.IsNullOrEmpty(host))
{
    if (!host.StartsWith("unix://", StringComparison.Ordinal) || host.Length <= "unix://".Length)
    {
        Console.Error.WriteLine($"invalid host {host}: only unix:///path is supported");
        return 125;
    }
    socket = host["unix://".Length..];
}

var (command, consumed) = CommandTable.Find(args0);
if (command is null)
{
    if (args0.Count == 0)
    {
        Console.WriteLine(CommandTable.Help());
        return 0;
    }
    Console.Error.WriteLine($"orch: '{string.Join(' ', args0.Take(2))}' is not a orch command.\nSee 'orch --help'");
    return 1;
}

using var ctx = new CliContext(socket) { CommandPath = string.Join(' ', args0.Take(consumed)) };
using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
try
{
    return await command.RunAsync(ctx, args0.Skip(consumed).ToList(), cts.Token);
}
catch (HelpRequestedException e)
{
    ctx.Out.WriteLine(e.Message);
    return 0;
}
catch (UsageException e)
{
    Console.Error.WriteLine($"orch: {e.Message}\nSee 'orch {e.CommandName} --help'." + (e.Usage is null ? "" : "\n\n" + e.Usage));
    return 125;
}
catch (CliException e)
{
    Console.Error.WriteLine(e.Message);
    return e.ExitCode;
}
catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cts.IsCancellationRequested)
{
    return 130;
}
catch (RpcException e)
{
    Console.Error.WriteLine(ctx.Describe(e));
    return command.DaemonErrorExitCode;
}
