using Microsoft.Extensions.Logging.Abstractions;
using Orch.Engine.Network;
using Orch.Testing;

namespace Orch.Engine.Tests.Network;

/// <summary>
/// A bridge driver of its own for one test: bridge orchn&lt;slot&gt;, subnet 10.198.&lt;slot&gt;.0/24, a temp data
/// root. Slots are flock(2)ed files, so parallel tests (and test runs of other worktrees) never share a bridge.
/// Dispose kills the test's processes and tears the network down.
/// </summary>
internal sealed class NetworkSandbox : IAsyncDisposable
{
    private static readonly string LockDir = Path.Combine(Path.GetTempPath(), "orch-net-test-slots");
    private readonly FileStream slotLock;
    private readonly List<NetnsProcess> processes = [];

    public int Slot { get; }
    public string Root { get; }
    public string Bridge => $"orchn{Slot}";
    public string Subnet => $"10.198.{Slot}.0/24";
    public string Gateway => $"10.198.{Slot}.1";
    public EngineOptions Options { get; }
    public BridgeNetworkDriver Driver { get; private set; }

    private NetworkSandbox(int slot, FileStream slotLock)
    {
        Slot = slot;
        this.slotLock = slotLock;
        Root = Path.Combine(Path.GetTempPath(), $"orch-net-{slot}-{Guid.NewGuid():N}"[..22]);
        Directory.CreateDirectory(Root);
        Options = new EngineOptions
        {
            DataRoot = Path.Combine(Root, "data"),
            ExecRoot = Path.Combine(Root, "exec"),
            LauncherDir = Root,
            Bridge = Bridge,
            Subnet = Subnet,
        };
        Driver = NewDriver();
    }

    public static async Task<NetworkSandbox> StartAsync()
    {
        Requirements.Root();
        Directory.CreateDirectory(LockDir);
        for (var slot = 1; slot < 250; slot++)
        {
            FileStream fs;
            try
            {
                fs = new FileStream(Path.Combine(LockDir, $"{slot}.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                continue;
            }
            var s = new NetworkSandbox(slot, fs);
            await s.Driver.InitializeAsync(CancellationToken.None);
            return s;
        }
        throw new InvalidOperationException("no free network test slot");
    }

    /// <summary>A fresh driver on the same data root, as a restarted daemon would make.</summary>
    public BridgeNetworkDriver NewDriver() => Driver = new BridgeNetworkDriver(Options, NullLogger<BridgeNetworkDriver>.Instance);

    public async Task<NetnsProcess> ContainerAsync(params string[] command)
    {
        var p = command.Length == 0 ? await NetnsProcess.SleepAsync() : await NetnsProcess.StartAsync(command);
        processes.Add(p);
        return p;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var p in processes)
        {
            await p.DisposeAsync();
        }
        await Driver.TeardownAsync(CancellationToken.None);
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        slotLock.Dispose();
    }
}
