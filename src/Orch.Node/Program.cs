using Orch.Node.Hosting;
using Serilog;

// orchd: one daemon per node. Parses flags, configures Serilog, runs OrchNode until SIGTERM/SIGINT.
NodeOptions options;
try
{
    options = NodeOptions.Parse(args);
    NodeCapacity.Check(options, Orch.Node.Swarm.NodeDescriber.MachineMemory(), Orch.Node.Swarm.NodeDescriber.MachineNanoCpus());
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"orchd: {e.Message}");
    return 125;
}
if (options.ShowHelp)
{
    Console.WriteLine(NodeOptions.Usage);
    return 0;
}

Log.Logger = Logging.CreateLogger(options);
try
{
    await using var node = new OrchNode(options, new Serilog.Extensions.Logging.SerilogLoggerFactory(Log.Logger));
    using var stop = new CancellationTokenSource();
    using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
        System.Runtime.InteropServices.PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stop.Cancel(); });
    using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(
        System.Runtime.InteropServices.PosixSignal.SIGINT, ctx => { ctx.Cancel = true; stop.Cancel(); });
    string? fatal = null;
    node.Fatal += reason => { fatal = reason; stop.Cancel(); };
    await node.StartAsync(stop.Token);
    try { await Task.Delay(Timeout.Infinite, stop.Token); } catch (OperationCanceledException) { }
    await node.StopAsync(CancellationToken.None);
    if (fatal is not null)
    {
        // Exit non-zero so a supervisor (systemd Restart=on-failure) restarts the node; a restart repairs it (notes P1).
        Log.Fatal("orchd exiting: {Reason}", fatal);
        return 2;
    }
    return 0;
}
catch (Exception e) when (e is not OperationCanceledException)
{
    Log.Fatal(e, "orchd failed");
    return 1;
}
finally
{
    await Log.CloseAndFlushAsync();
}
