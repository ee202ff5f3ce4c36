using System.Buffers.Binary;
using System.Net;
using System.Text;
using DotNext.Buffers;
using DotNext.Net.Cluster.Consensus.Raft.Membership;

namespace Orch.Manager.State;

/// <summary>
/// The Raft membership on disk (members.bin). DotNext keeps membership in memory unless told
/// otherwise, and ships no codec for <see cref="EndPoint"/>: an address is stored as a kind byte
/// (1 = IP, 2 = DNS name) and a length-prefixed UTF-8 "host:port".
/// </summary>
internal sealed class EndPointConfigurationStorage(string path) : PersistentClusterConfigurationStorage<EndPoint>(path)
{
    private const byte IpKind = 1;
    private const byte DnsKind = 2;

    protected override void Encode(EndPoint address, ref BufferWriterSlim<byte> output)
    {
        var (kind, text) = address switch
        {
            IPEndPoint ip => (IpKind, ip.ToString()),
            DnsEndPoint dns => (DnsKind, $"{dns.Host}:{dns.Port}"),
            _ => throw new ArgumentException($"unsupported Raft endpoint type {address.GetType().Name}", nameof(address)),
        };
        var bytes = Encoding.UTF8.GetBytes(text);
        output.Add(kind);
        BinaryPrimitives.WriteInt32LittleEndian(output.GetSpan(sizeof(int)), bytes.Length);
        output.Advance(sizeof(int));
        output.Write(bytes);
    }

    protected override EndPoint Decode(ref SequenceReader input)
    {
        var kind = input.ReadByte();
        var length = input.ReadLittleEndian<int>();
        var bytes = new byte[length];
        input.Read(bytes);
        var text = Encoding.UTF8.GetString(bytes);
        return kind switch
        {
            IpKind => IPEndPoint.Parse(text),
            DnsKind => ParseDns(text),
            _ => throw new InvalidDataException($"members file: unknown endpoint kind {kind}"),
        };
    }

    private static DnsEndPoint ParseDns(string text)
    {
        var colon = text.LastIndexOf(':');
        return new DnsEndPoint(text[..colon], int.Parse(text[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }
}
