using System.Net;
using System.Net.Sockets;

namespace Orch.Engine.Network;

/// <summary>
/// Decides whether a host port may be published: refused when another container of this bridge publishes
/// it on an overlapping address, or when a host process has it bound (found by a bind(2) probe that is
/// closed at once). Host port 0 means "any free port", which the probe also picks.
/// Published ports are served by DNAT, not by a socket, so the probe cannot see ports published by a
/// different orchd on the same machine.
/// </summary>
internal static class PortReservations
{
    public static PortBinding Validate(PortBinding p)
    {
        var proto = p.Protocol.Length == 0 ? "tcp" : p.Protocol.ToLowerInvariant();
        if (proto is not ("tcp" or "udp"))
        {
            throw new NetworkException($"invalid protocol {p.Protocol} for port {p.ContainerPort}: want tcp or udp");
        }
        if (p.ContainerPort is < 1 or > 65535 || p.HostPort is < 0 or > 65535)
        {
            throw new NetworkException($"invalid port mapping {p.HostPort}:{p.ContainerPort}: ports are 1-65535");
        }
        var hostIp = p.HostIp;
        if (hostIp is "0.0.0.0")
        {
            hostIp = "";
        }
        if (hostIp.Length > 0 && (!IPAddress.TryParse(hostIp, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork))
        {
            throw new NetworkException($"invalid host IP {p.HostIp}: only IPv4 addresses can be published");
        }
        return p with { HostIp = hostIp, Protocol = proto };
    }

    /// <summary>Throws a port conflict naming the address; returns the binding with its host port resolved.</summary>
    public static PortBinding Reserve(PortBinding p, IEnumerable<Lease> others, IEnumerable<PortBinding> sameContainer)
    {
        if (p.HostPort != 0)
        {
            foreach (var taken in others.SelectMany(l => l.Ports).Concat(sameContainer))
            {
                if (taken.HostPort == p.HostPort && taken.Protocol == p.Protocol
                    && (taken.HostIp.Length == 0 || p.HostIp.Length == 0 || taken.HostIp == p.HostIp))
                {
                    throw Conflict(p, "port is already allocated");
                }
            }
        }
        var port = Probe(p);
        return p with { HostPort = port };
    }

    private static int Probe(PortBinding p)
    {
        var tcp = p.Protocol == "tcp";
        using var s = new Socket(AddressFamily.InterNetwork, tcp ? SocketType.Stream : SocketType.Dgram, tcp ? ProtocolType.Tcp : ProtocolType.Udp);
        // SO_REUSEADDR lets TIME_WAIT remnants pass, but a listening TCP socket still makes bind fail.
        s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, tcp);
        try
        {
            s.Bind(new IPEndPoint(p.HostIp.Length == 0 ? IPAddress.Any : IPAddress.Parse(p.HostIp), p.HostPort));
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            throw Conflict(p, "address already in use by a host process");
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressNotAvailable)
        {
            throw new NetworkException($"cannot publish on {p.HostIp}:{p.HostPort}/{p.Protocol}: {p.HostIp} is not an address of this host");
        }
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    private static NetworkException Conflict(PortBinding p, string why) =>
        new($"Bind for {(p.HostIp.Length == 0 ? "0.0.0.0" : p.HostIp)}:{p.HostPort} failed: {why}") { IsPortConflict = true };
}
