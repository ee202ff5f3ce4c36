using System.Threading.Channels;
using Orch.Engine.Runtime.Cgroups;

namespace Orch.Engine.Runtime;

/// <summary>Output of a container as attached clients see it; ExitCode set on the last event.</summary>
internal readonly record struct StdioEvent(int Stream, byte[] Data, int? ExitCode);

/// <summary>
/// The in-memory side of one container: the lifecycle lock, the connection to its monitor, its cgroup,
/// the current run's exit, and the attached clients. Never persisted; rebuilt on daemon start.
/// </summary>
internal sealed class ContainerLive
{
    private readonly Lock gate = new();
    private readonly List<Channel<StdioEvent>> subscribers = [];

    /// <summary>Serialises start, exit handling and removal of this container.</summary>
    public SemaphoreSlim Lifecycle { get; } = new(1, 1);

    public MonitorClient? Monitor { get; set; }

    public ICgroup? Cgroup { get; set; }

    /// <summary>Completes with the exit code when the current run ends (after cleanup).</summary>
    public TaskCompletionSource<int> Exited { get; private set; } = NewExit();

    public void NewRun() => Exited = NewExit();

    public ChannelReader<StdioEvent> Subscribe(out Action unsubscribe)
    {
        var ch = Channel.CreateBounded<StdioEvent>(new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (gate)
        {
            subscribers.Add(ch);
        }
        unsubscribe = () =>
        {
            lock (gate)
            {
                subscribers.Remove(ch);
            }
        };
        return ch.Reader;
    }

    public void Publish(StdioEvent e)
    {
        lock (gate)
        {
            foreach (var s in subscribers)
            {
                s.Writer.TryWrite(e);
            }
        }
    }

    private static TaskCompletionSource<int> NewExit() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
