using System.Net;
using System.Net.Sockets;

namespace Orch.Manager.Tests.Raft;

/// <summary>
/// Loopback ports for test managers, below the ephemeral range (32768–60999) so an outgoing
/// connection cannot take one between the check and the bind (notes/dotnext-raft.md §3).
/// A random start per process keeps parallel test runs apart; callers retry on a conflict anyway.
/// </summary>
internal static class Ports
{
    private const int Low = 20000;
    private const int High = 32000;
    private static int next = Low + Random.Shared.Next(0, High - Low);

    public static int Take()
    {
        for (var tries = 0; tries < High - Low; tries++)
        {
            var port = Low + ((Interlocked.Increment(ref next) - Low) % (High - Low));
            if (IsFree(port))
            {
                return port;
            }
        }
        throw new InvalidOperationException($"no free loopback port in {Low}-{High}");
    }

    private static bool IsFree(int port)
    {
        try
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
