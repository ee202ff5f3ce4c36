using Orch.Engine.Images;

namespace Orch.Engine.Tests.Images;

public sealed class ContentStoreTests
{
    [Fact]
    public void Write_DigestMismatch_Throws_AndKeepsNothing()
    {
        using var t = new TempDir();
        var store = new ContentStore(t.Path);
        var wrong = Digest.Of("other"u8);

        var e = Assert.Throws<DigestMismatchException>(() => store.Write("content"u8, wrong));

        Assert.Equal(wrong, e.Expected);
        Assert.Equal(Digest.Of("content"u8), e.Actual);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(t.Path, "sha256")));
    }

    [Fact]
    public void StreamedWrite_DigestMismatch_Throws_AndLeavesNoPartialBlob()
    {
        using var t = new TempDir();
        var store = new ContentStore(t.Path);
        var data = new byte[3 << 20];
        Random.Shared.NextBytes(data);
        var expected = Digest.Of(data);
        data[12345] ^= 0xff; // corrupted on the way

        using (var w = store.BeginWrite())
        {
            w.Stream.Write(data);
            Assert.Throws<DigestMismatchException>(() => w.Commit(Digest.Of(data), expected));
        }

        Assert.False(store.Exists(expected));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(t.Path, "sha256")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(t.Path, "ingest")));
    }

    [Fact]
    public void Read_BlobCorruptedOnDisk_IsDetected()
    {
        using var t = new TempDir();
        var store = new ContentStore(t.Path);
        var d = store.Write("{\"a\":1}"u8);
        File.WriteAllText(store.PathOf(d), "{\"a\":2}");

        var e = Assert.Throws<DigestMismatchException>(() => store.Read(d));

        Assert.Equal(d, e.Expected);
    }

    [Fact]
    public void Write_IsContentAddressed_AndAtomic()
    {
        using var t = new TempDir();
        var store = new ContentStore(t.Path);
        var d1 = store.Write("x"u8);
        var d2 = store.Write("x"u8);
        Assert.Equal(d1, d2);
        Assert.Equal(["2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"], Directory.GetFiles(Path.Combine(t.Path, "sha256")).Select(Path.GetFileName));
    }
}
