using System.Security.Cryptography;
using System.Threading.Channels;

namespace Orch.Engine.Runtime;

/// <summary>What `orch exec` asks for.</summary>
public sealed record ExecOptions(IReadOnlyList<string> Cmd, IReadOnlyList<string> Env, string User, string WorkingDir, bool Tty, bool OpenStdin);

internal sealed partial class ContainerRuntime
{
    /// <summary>
    /// Starts a process in the container's namespaces and cgroup (orch-launch exec) and returns the
    /// connection to its relay: frames carry its output and, last, its exit code.
    /// </summary>
    public async Task<MonitorClient> ExecAsync(string reference, ExecOptions o, CancellationToken ct)
    {
        var c = Get(reference);
        if (!c.State.Running)
        {
            throw new RuntimeException(RuntimeError.FailedPrecondition, $"container {c.Id} is not running");
        }
        if (o.Cmd.Count == 0 || o.Cmd[0].Length == 0)
        {
            throw new RuntimeException(RuntimeError.InvalidArgument, "no command specified");
        }
        var execId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var dir = Path.Combine(ExecDir(c.Id), "exec");
        Directory.CreateDirectory(dir);
        var sock = SocketPath(c.Id, "-" + execId);
        var user = UserResolver.Resolve(snapshots.RootfsPath(c.Id), o.User.Length > 0 ? o.User : c.Config.User);
        var env = ProcessEnv(MergeEnv(c.Config.Env, o.Env), c.Config.Hostname, o.Tty, user);
        var spec = new LaunchSpec()
            .Add("sock", sock)
            .Add("nsenter", c.State.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .User(user)
            .Add("cwd", o.WorkingDir.Length > 0 ? o.WorkingDir : c.Config.WorkingDir.Length > 0 ? c.Config.WorkingDir : "/")
            .Add("args", [.. o.Cmd])
            .Add("env", [.. env])
            .Capabilities();
        if (o.Tty)
        {
            spec.Add("tty");
        }
        if (o.OpenStdin)
        {
            spec.Add("stdin");
        }
        var specPath = Path.Combine(dir, execId + ".spec");
        spec.WriteTo(specPath);
        LaunchSession? session = null;
        MonitorClient? relay = null;
        try
        {
            session = await LaunchSession.StartAsync(LauncherPath, "exec", specPath, ct);
            var cgroup = c.Live.Cgroup ?? cgroups?.Open(c.Id);
            cgroup?.AddProcess(session.Pid);
            relay = await MonitorClient.ConnectAsync(sock, ct) ?? throw new RuntimeException(RuntimeError.Internal, "exec relay is not listening");
            var (code, message) = await session.GoAsync(ct);
            if (code != 0)
            {
                throw new RuntimeException(code is 126 or 127 ? RuntimeError.InvalidArgument : RuntimeError.Internal, message, code);
            }
            LogExec(c.Id, session.Pid, string.Join(' ', o.Cmd));
            return relay;
        }
        catch
        {
            session?.Abort();
            relay?.Dispose();
            throw;
        }
        finally
        {
            session?.Dispose();
            File.Delete(specPath);
        }
    }

    /// <summary>
    /// Attach: subscribes to the container's output, then starts it if it is not running, so that a
    /// client of `orch run` sees everything from the first byte. The last event carries the exit code.
    /// </summary>
    public async Task<(ChannelReader<StdioEvent> Output, Action Detach)> AttachAsync(string reference, CancellationToken ct)
    {
        var c = Get(reference);
        var reader = c.Live.Subscribe(out var detach);
        try
        {
            if (!c.State.Running)
            {
                await StartAsync(c.Id, ct);
            }
            else if (c.Live.Exited.Task.IsCompleted)
            {
                detach();
                throw new RuntimeException(RuntimeError.FailedPrecondition, $"container {c.Id} is not running");
            }
        }
        catch
        {
            detach();
            throw;
        }
        return (reader, detach);
    }

    /// <summary>Stdin, close and resize for an attached client; ignored when the container is not running.</summary>
    public MonitorClient? MonitorOf(string reference) => Get(reference).Live.Monitor;
}
