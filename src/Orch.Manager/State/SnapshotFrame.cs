using System.Buffers.Binary;
using System.Security.Cryptography;
using Google.Protobuf;
using Orch.Api.V1.Objects;

namespace Orch.Manager.State;

/// <summary>
/// The on-disk frame around a <see cref="StoreSnapshot"/>: magic, payload length, payload,
/// SHA-256 of the payload. DotNext commits a received snapshot file even when the transfer failed
/// halfway (pitfall P4 in notes/dotnext-raft.md), so a snapshot is only trusted when the frame is
/// whole; anything else is refused loudly instead of loading half a state.
/// </summary>
internal static class SnapshotFrame
{
    public static ReadOnlySpan<byte> Magic => "ORCHSNP1"u8;

    public const int HeaderSize = 8 + sizeof(long);
    public const int TrailerSize = 32;

    public static byte[] Encode(StoreSnapshot snapshot)
    {
        var payloadLength = snapshot.CalculateSize();
        var frame = new byte[HeaderSize + payloadLength + TrailerSize];
        Magic.CopyTo(frame);
        BinaryPrimitives.WriteInt64LittleEndian(frame.AsSpan(8), payloadLength);
        var payload = frame.AsSpan(HeaderSize, payloadLength);
        snapshot.WriteTo(payload); // Google.Protobuf's span overload (MessageExtensions)
        SHA256.HashData(payload, frame.AsSpan(HeaderSize + payloadLength));
        return frame;
    }

    /// <exception cref="InvalidDataException">The frame is truncated, padded or corrupt; the message says which.</exception>
    public static StoreSnapshot Decode(ReadOnlySpan<byte> frame, string source)
    {
        if (frame.Length < HeaderSize + TrailerSize || !frame[..8].SequenceEqual(Magic))
        {
            throw new InvalidDataException($"snapshot {source} is not an orch snapshot or is truncated ({frame.Length} bytes)");
        }
        var length = BinaryPrimitives.ReadInt64LittleEndian(frame[8..]);
        if (length < 0 || HeaderSize + length + TrailerSize != frame.Length)
        {
            throw new InvalidDataException(
                $"snapshot {source} is truncated or padded: header says {length} payload bytes, file has {frame.Length - HeaderSize - TrailerSize}");
        }
        var payload = frame.Slice(HeaderSize, (int)length);
        Span<byte> hash = stackalloc byte[TrailerSize];
        SHA256.HashData(payload, hash);
        if (!hash.SequenceEqual(frame[(HeaderSize + (int)length)..]))
        {
            throw new InvalidDataException($"snapshot {source} is corrupt: checksum mismatch");
        }
        return StoreSnapshot.Parser.ParseFrom(payload);
    }
}
