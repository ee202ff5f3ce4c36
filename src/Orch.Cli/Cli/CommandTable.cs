using Orch.Cli.Commands.Container;
using Orch.Cli.Commands.Image;
using Orch.Cli.Commands.System;
using NodeCmd = Orch.Cli.Commands.Node;
using SwarmCmd = Orch.Cli.Commands.Swarm;
using Volume = Orch.Cli.Commands.Volume;

namespace Orch.Cli.Cli;

/// <summary>Every command and its Docker-style top-level aliases (run = container run, images = image ls, …).</summary>
internal static class CommandTable
{
    public static readonly IReadOnlyList<(ICommand Command, string[] Aliases)> All =
    [
        (new VersionCommand(), ["version"]),
        (new RunCommand(), ["run"]),
        (new CreateCommand(), ["create"]),
        (new StartCommand(), ["start"]),
        (new StopCommand(), ["stop"]),
        (new KillCommand(), ["kill"]),
        (new RestartCommand(), ["restart"]),
        (new RmCommand(), ["rm"]),
        (new PsCommand(), ["ps"]),
        (new LogsCommand(), ["logs"]),
        (new ExecCommand(), ["exec"]),
        (new Commands.Container.InspectCommand(), ["inspect"]),
        (new StatsCommand(), ["stats"]),
        (new WaitCommand(), ["wait"]),
        (new Commands.Container.PruneCommand(), []),
        (new ImportCommand(), ["import"]),
        (new ListCommand(), ["images"]),
        (new RemoveCommand(), ["rmi"]),
        (new Commands.Image.InspectCommand(), []),
        (new TagCommand(), ["tag"]),
        (new HistoryCommand(), ["history"]),
        (new Commands.Network.LsCommand(), []),
        (new Volume.CreateCommand(), []),
        (new Volume.LsCommand(), []),
        (new Volume.InspectCommand(), []),
        (new Volume.RmCommand(), []),
        (new Volume.PruneCommand(), []),
        (new PullCommand(), ["pull"]),
        (new PushCommand(), ["push"]),
        (new LoginCommand(), []),
        (new SaveCommand(), ["save"]),
        (new Commands.Image.PruneCommand(), []),
        (new LoadCommand(), ["load"]),
        (new LogoutCommand(), []),
        (new BuildCommand(), ["build"]),
        (new Commands.Builder.PruneCommand(), []),
        (new SwarmCmd.InitCommand(), []),
        (new SwarmCmd.JoinCommand(), []),
        (new SwarmCmd.JoinTokenCommand(), []),
        (new SwarmCmd.LeaveCommand(), []),
        (new SwarmCmd.UpdateCommand(), []),
        (new SwarmCmd.InspectCommand(), []),
        (new NodeCmd.LsCommand(), []),
        (new NodeCmd.InspectCommand(), []),
        (new NodeCmd.UpdateCommand(), []),
        (new NodeCmd.PromoteCommand(), []),
        (new NodeCmd.DemoteCommand(), []),
        (new NodeCmd.RmCommand(), []),
        (new NodeCmd.PsCommand(), []),
        (new DfCommand(), []),
        (new Commands.System.PruneCommand(), []),
        (new Commands.Service.CreateCommand(), []),
        (new Commands.Service.UpdateCommand(), []),
        (new Commands.Service.ScaleCommand(), []),
        (new Commands.Service.RollbackCommand(), []),
        (new Commands.Service.RmCommand(), []),
        (new Commands.Service.LsCommand(), []),
        (new Commands.Service.PsCommand(), []),
        (new Commands.Service.InspectCommand(), []),
        (new Commands.Service.LogsCommand(), []),
    ];

    public static (ICommand? Command, int Consumed) Find(IReadOnlyList<string> args)
    {
        if (args.Count == 0)
        {
            return (null, 0);
        }
        foreach (var (command, aliases) in All)
        {
            var parts = command.Name.Split(' ');
            if (args.Count >= parts.Length && parts.Select((p, i) => p == args[i]).All(x => x))
            {
                return (command, parts.Length);
            }
        }
        foreach (var (command, aliases) in All)
        {
            if (aliases.Contains(args[0]))
            {
                return (command, 1);
            }
        }
        return (null, 0);
    }

    public static string Help()
    {
        var lines = new List<string> { "Usage:  orch [OPTIONS] COMMAND", "", "Options:", "  -H, --host string   Daemon socket to connect to (env ORCH_HOST)", "", "Commands:" };
        foreach (var (command, _) in All.OrderBy(c => c.Command.Name, StringComparer.Ordinal))
        {
            lines.Add($"  {command.Name,-20} {command.Summary}");
        }
        return string.Join('\n', lines);
    }
}
