using System.Net.NetworkInformation;
using System.Net.Sockets;
using Orch.Testing;

namespace Orch.Engine.Tests.Network;

/// <summary>What the host shows of a bridge network: interfaces and iptables rules, for leak checks.</summary>
internal static class HostNetworkState
{
    public static bool InterfaceExists(string name) => Directory.Exists("/sys/class/net/" + name);

    public static async Task<string> IptablesSaveAsync()
    {
        var r = await ProcessRunner.RunAsync("iptables-save", []);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Stdout;
    }

    /// <summary>Rule and chain lines of iptables-save that mention <paramref name="word"/> (comments and counters dropped).</summary>
    public static List<string> Lines(string save, Func<string, bool> keep) =>
        save.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#') && keep(l))
            .Select(l => l.StartsWith(':') ? l.Split(' ')[0] : l).ToList();

    /// <summary>An IPv4 address of this host that is not loopback and not on a bridge or veth of orch.</summary>
    public static string? NonLoopbackAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(i => i.OperationalStatus == OperationalStatus.Up && i.NetworkInterfaceType != NetworkInterfaceType.Loopback
                        && !i.Name.StartsWith("orch", StringComparison.Ordinal) && !i.Name.StartsWith("veth", StringComparison.Ordinal))
            .SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)?.ToString();

    public static async Task<string> HttpGetAsync(string host, int port)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
        return await http.GetStringAsync($"http://{host}:{port}/");
    }
}
