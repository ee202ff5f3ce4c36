using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Grpc.Core;

namespace Orch.Node.Swarm;

/// <summary>Parsing and choosing of --listen-addr / --advertise-addr, with Docker's defaults and messages.</summary>
internal static class SwarmAddresses
{
    public const int DefaultPort = 2377;

    public static IPEndPoint Listen(string text)
    {
        if (text.Length == 0)
        {
            return new IPEndPoint(IPAddress.Any, DefaultPort);
        }
        if (IPAddress.TryParse(text, out var ip))
        {
            return new IPEndPoint(ip, DefaultPort);
        }
        if (IPEndPoint.TryParse(text, out var ep) && ep.Port != 0)
        {
            return ep;
        }
        throw Invalid($"invalid listen address {text}: expected IP[:PORT]");
    }

    /// <summary>The advertised IP: as given, else the listen IP, else the only non-loopback IPv4 address.</summary>
    public static IPAddress Advertise(string text, IPEndPoint listen)
    {
        if (text.Length > 0)
        {
            if (IPAddress.TryParse(text, out var ip) || (IPEndPoint.TryParse(text, out var ep) && (ip = ep.Address) is not null))
            {
                return ip;
            }
            throw Invalid($"invalid advertise address {text}: expected an IP address (interface names are not supported)");
        }
        if (!listen.Address.Equals(IPAddress.Any))
        {
            return listen.Address;
        }
        var candidates = NetworkInterface.GetAllNetworkInterfaces()
            .Where(i => i.OperationalStatus == OperationalStatus.Up && i.NetworkInterfaceType != NetworkInterfaceType.Loopback
                && !i.Name.StartsWith("orch", StringComparison.Ordinal) && !i.Name.StartsWith("veth", StringComparison.Ordinal))
            .SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .Where(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
            .Distinct()
            .ToList();
        return candidates.Count switch
        {
            1 => candidates[0],
            0 => throw Invalid("could not find an address to advertise: use --advertise-addr"),
            _ => throw Invalid("could not choose an IP address to advertise since this system has multiple addresses ("
                + string.Join(", ", candidates) + "): use --advertise-addr"),
        };
    }

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}
