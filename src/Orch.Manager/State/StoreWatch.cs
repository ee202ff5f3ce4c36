using System.Threading.Channels;

namespace Orch.Manager.State;

/// <summary>
/// A subscription to store changes. Events arrive in log order; the channel is unbounded so a
/// slow reader never stalls apply. Dispose to unsubscribe.
/// </summary>
internal sealed class StoreWatch : IDisposable
{
    private readonly Channel<StoreEvent> channel = Channel.CreateUnbounded<StoreEvent>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Action<StoreWatch> unsubscribe;

    public StoreWatch(Action<StoreWatch> unsubscribe) => this.unsubscribe = unsubscribe;

    public ChannelReader<StoreEvent> Events => channel.Reader;

    internal void Publish(StoreEvent e) => channel.Writer.TryWrite(e);

    public void Dispose()
    {
        unsubscribe(this);
        channel.Writer.TryComplete();
    }
}
