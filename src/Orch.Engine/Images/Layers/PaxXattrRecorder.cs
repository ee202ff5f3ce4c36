using System.Buffers.Binary;
using System.Text;
using Orch.Engine.IO;

namespace Orch.Engine.Images.Layers;

/// <summary>
/// A pass-through under <see cref="System.Formats.Tar.TarReader"/> that follows the tar block structure
/// and keeps the raw bytes of each entry's PAX <c>SCHILY.xattr.*</c> records. TarReader hands extended
/// attributes out only as UTF-8-decoded strings, which destroys binary values such as
/// <c>security.capability</c> (file capabilities: a mangled one makes the file unexecutable or drops its
/// capabilities). TarReader reads a header, its PAX header before it, then the entry's data through a
/// sub-stream, and never the next header before it is asked for the next entry; so while the extractor
/// handles an entry, <see cref="Current"/> holds that entry's raw xattrs.
/// </summary>
internal sealed class PaxXattrRecorder(Stream inner) : ReadOnlyStream
{
    private const int Block = 512;
    private const string XattrPrefix = "SCHILY.xattr.";
    // Bigger PAX headers are not captured (their xattrs fall back to TarReader's strings).
    private const int MaxCapture = 1 << 20;

    private readonly byte[] header = new byte[Block];
    private int headerFill;
    private long dataLeft;
    private long captureLeft;
    private MemoryStream? capture;
    private Dictionary<string, byte[]>? pending;
    private long? pendingSize;

    /// <summary>Raw xattr values of the entry whose header was read last (empty when it had none).</summary>
    public IReadOnlyDictionary<string, byte[]> Current { get; private set; } = new Dictionary<string, byte[]>();

    /// <summary>The raw value of <paramref name="key"/> when it agrees with TarReader's decoded string, else that string's UTF-8.</summary>
    public byte[] ValueOf(string key, string decoded)
    {
        if (Current.TryGetValue(key, out var raw) && Encoding.UTF8.GetString(raw) == decoded)
        {
            return raw;
        }
        return Encoding.UTF8.GetBytes(decoded);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default)
    {
        var n = await inner.ReadAsync(buffer, ct);
        Observe(buffer.Span[..n]);
        return n;
    }

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        Observe(buffer[..n]);
        return n;
    }

    private void Observe(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            if (dataLeft > 0)
            {
                var n = (int)Math.Min(dataLeft, data.Length);
                if (capture is not null && captureLeft > 0)
                {
                    var c = (int)Math.Min(captureLeft, n);
                    capture.Write(data[..c]);
                    captureLeft -= c;
                }
                dataLeft -= n;
                data = data[n..];
                if (dataLeft == 0 && capture is not null)
                {
                    ParseRecords(capture.ToArray());
                    capture = null;
                }
                continue;
            }
            var take = Math.Min(Block - headerFill, data.Length);
            data[..take].CopyTo(header.AsSpan(headerFill));
            headerFill += take;
            data = data[take..];
            if (headerFill == Block)
            {
                headerFill = 0;
                OnHeader();
            }
        }
    }

    private void OnHeader()
    {
        if (header.AsSpan().IndexOfAnyExcept((byte)0) < 0)
        {
            return; // end-of-archive block
        }
        var type = (char)header[156];
        var size = ParseSize(header.AsSpan(124, 12));
        if (type is 'x' or 'X')
        {
            capture = size is > 0 and <= MaxCapture ? new MemoryStream((int)size) : null;
            captureLeft = size;
            pending = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        }
        else if (type is not ('g' or 'L' or 'K'))
        {
            // A real entry: it owns the PAX records read just before it; a PAX "size" overrides its header's.
            Current = pending ?? new Dictionary<string, byte[]>();
            pending = null;
            size = pendingSize ?? size;
            pendingSize = null;
        }
        dataLeft = (size + Block - 1) / Block * Block;
    }

    // PAX records: "LEN KEY=VALUE\n", LEN counting the whole record in decimal; VALUE is raw bytes.
    private void ParseRecords(byte[] records)
    {
        var span = records.AsSpan();
        while (!span.IsEmpty)
        {
            var space = span.IndexOf((byte)' ');
            if (space <= 0 || !int.TryParse(span[..space], out var length) || length <= space + 1 || length > span.Length)
            {
                return; // malformed: TarReader reports it
            }
            var record = span[(space + 1)..length];
            span = span[length..];
            var eq = record.IndexOf((byte)'=');
            if (eq < 0 || record[^1] != (byte)'\n')
            {
                return;
            }
            var key = Encoding.UTF8.GetString(record[..eq]);
            var value = record[(eq + 1)..^1];
            if (key.StartsWith(XattrPrefix, StringComparison.Ordinal))
            {
                pending![key] = value.ToArray();
            }
            else if (key == "size" && long.TryParse(value, out var s) && s >= 0)
            {
                pendingSize = s;
            }
        }
    }

    // Octal, NUL/space terminated; or GNU base-256 when the high bit of the first byte is set.
    private static long ParseSize(ReadOnlySpan<byte> field)
    {
        if ((field[0] & 0x80) != 0)
        {
            return BinaryPrimitives.ReadInt64BigEndian(field[4..]);
        }
        long v = 0;
        foreach (var b in field)
        {
            if (b is (byte)' ' or 0)
            {
                if (v != 0)
                {
                    break;
                }
                continue;
            }
            if (b is < (byte)'0' or > (byte)'7')
            {
                break;
            }
            v = (v * 8) + (b - '0');
        }
        return v;
    }
}
