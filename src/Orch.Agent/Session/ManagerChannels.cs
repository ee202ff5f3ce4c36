using System.Collections.Concurrent;
using Grpc.Net.Client;
using Orch.Security;

namespace Orch.Agent.Session;

/// <summary>gRPC channels from this node to managers' cluster ports, mutual TLS with the node certificate; one per address.</summary>
public sealed class ManagerChannels(NodeCertificates certificates, TimeProvider time) : IDisposable
{
    private readonly ConcurrentDictionary<string, GrpcChannel> channels = new(StringComparer.Ordinal);

    public GrpcChannel For(string address) => channels.GetOrAdd(address, a =>
        GrpcChannel.ForAddress($"https://{a}", new GrpcChannelOptions { HttpHandler = ClusterTls.HttpHandler(certificates, time) }));

    public void Dispose()
    {
        foreach (var c in channels.Values)
        {
            c.Dispose();
        }
        channels.Clear();
    }
}
