using Orch.Api.V1.Objects;
using Orch.Manager.State;

namespace Orch.Manager.Tests.State;

public sealed class SnapshotFrameTests
{
    private static byte[] Frame()
    {
        var state = new ClusterState();
        state.Apply(Commands.Create(Commands.Node("n1")), 1);
        return SnapshotFrame.Encode(state.ToSnapshot());
    }

    [Fact]
    public void Decode_Truncated_RefusedNamingTheProblem()
    {
        var frame = Frame();
        var e = Assert.Throws<InvalidDataException>(() => SnapshotFrame.Decode(frame.AsSpan(0, frame.Length - 5), "snap-1"));
        Assert.Contains("snap-1 is truncated", e.Message);
    }

    [Fact]
    public void Decode_FlippedPayloadByte_ChecksumMismatch()
    {
        var frame = Frame();
        frame[SnapshotFrame.HeaderSize + 2] ^= 0x40;
        var e = Assert.Throws<InvalidDataException>(() => SnapshotFrame.Decode(frame, "snap-2"));
        Assert.Equal("snapshot snap-2 is corrupt: checksum mismatch", e.Message);
    }

    [Fact]
    public void Decode_NotASnapshot_Refused()
    {
        var e = Assert.Throws<InvalidDataException>(() => SnapshotFrame.Decode(new byte[100], "junk"));
        Assert.Contains("not an orch snapshot", e.Message);
    }

    [Fact]
    public void Decode_WholeFrame_RoundTrips()
    {
        var image = SnapshotFrame.Decode(Frame(), "ok");
        Assert.Equal("n1", Assert.Single(image.Nodes).Id);
        Assert.Equal(1ul, image.AppliedIndex);
    }
}
