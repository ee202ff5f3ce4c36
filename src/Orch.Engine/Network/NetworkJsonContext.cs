using System.Text.Json.Serialization;

namespace Orch.Engine.Network;

/// <summary>On-disk shape of the lease file (data-root/network/leases.json).</summary>
internal sealed record LeaseFile(string Bridge, string Subnet, List<Lease> Leases);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(LeaseFile))]
internal sealed partial class NetworkJsonContext : JsonSerializerContext;
