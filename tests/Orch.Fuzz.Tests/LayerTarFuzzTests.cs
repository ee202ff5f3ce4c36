using System.Formats.Tar;
using Orch.Engine.Images.Layers;
using Orch.Testing;

namespace Orch.Fuzz.Tests;

/// <summary>
/// Layer extraction of random and mutated tarballs (as root, the real syscalls): only InvalidDataException
/// or LayerEntryException, nothing written outside the root (absolute names and link targets all aim at a
/// sentinel directory beside it), and no hang (each layer is cancelled after <see cref="Fuzz.PerInput"/>).
/// </summary>
public sealed class LayerTarFuzzTests : IDisposable
{
    private readonly string parent = Directory.CreateTempSubdirectory("orch-fuzz-layer-").FullName;
    private readonly string outside;
    private int run;

    public LayerTarFuzzTests()
    {
        outside = Path.Combine(parent, "outside");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "sentinel"), "untouched");
    }

    private sealed record Entry(TarEntryType Type, string Name, string Link, byte[] Data);

    private Gen<string> Names => Fuzz.Pieces(
        "a", "b", "a/b", "/", "./", "..", "../", "x/../..", ".wh.", ".wh.a", ".wh..wh..opq", "dir/", outside + "/", outside + "/pwned", "é");

    private Gen<Entry> Entries => Gen.Select(
        Gen.OneOf(TarEntryType.Directory, TarEntryType.RegularFile, TarEntryType.SymbolicLink, TarEntryType.HardLink,
            TarEntryType.CharacterDevice, TarEntryType.Fifo, TarEntryType.BlockDevice),
        Names, Names, Gen.Byte.Array[0, 64],
        (t, n, l, d) => new Entry(t, n, l, d));

    private static Gen<(int At, byte Value)[]> Mutations => Gen.Select(Gen.Int[0, int.MaxValue], Gen.Byte).Array[0, 4];

    [Fact]
    public void Extract_AnyTar_OnlyLayerErrorsAndNothingOutsideTheRoot()
    {
        Requirements.Root();
        Fuzz.Run(Gen.Select(Entries.Array[0, 8], Mutations, Gen.Bool), x =>
        {
            var (entries, mutations, truncate) = x;
            var bytes = Mutate(Tar(entries), mutations, truncate);
            var root = Path.Combine(parent, "root-" + run++);
            Directory.CreateDirectory(root);
            try
            {
                using var cts = new CancellationTokenSource(Fuzz.PerInput);
                Exception? error = null;
                try
                {
                    LayerIngest.RunAsync(new MemoryStream(bytes), Stream.Null, root, cts.Token).GetAwaiter().GetResult();
                }
                catch (Exception e) when (e is InvalidDataException or LayerEntryException)
                {
                    error = e;
                }
                Assert.False(cts.IsCancellationRequested, "extraction did not finish within the per-input bound");
                Assert.True(error is null || error.Message.Length > 0);
                Assert.Equal(["outside", Path.GetFileName(root)], Directory.GetFileSystemEntries(parent).Select(Path.GetFileName).Order());
                Assert.Equal(["sentinel"], Directory.GetFileSystemEntries(outside).Select(Path.GetFileName));
                Assert.Equal("untouched", File.ReadAllText(Path.Combine(outside, "sentinel")));
            }
            finally
            {
                Directory.Delete(root, recursive: true);
            }
        }, x => string.Join("; ", x.Item1.Select(e => $"{e.Type} {Fuzz.Show(e.Name)} -> {Fuzz.Show(e.Link)}")) + $" mutations={x.Item2.Length} truncate={x.Item3}");
    }

    private static byte[] Tar(Entry[] entries)
    {
        using var ms = new MemoryStream();
        using (var w = new TarWriter(ms, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var e in entries)
            {
                try
                {
                    var entry = new PaxTarEntry(e.Type, e.Name.Length == 0 ? "a" : e.Name);
                    if (e.Type is TarEntryType.SymbolicLink or TarEntryType.HardLink)
                    {
                        entry.LinkName = e.Link.Length == 0 ? "a" : e.Link;
                    }
                    if (e.Type == TarEntryType.RegularFile)
                    {
                        entry.DataStream = new MemoryStream(e.Data);
                    }
                    w.WriteEntry(entry);
                }
                catch (ArgumentException)
                {
                    // A name TarWriter itself refuses: not a layer anyone can send this way.
                }
            }
        }
        return ms.ToArray();
    }

    private static byte[] Mutate(byte[] tar, (int At, byte Value)[] mutations, bool truncate)
    {
        if (tar.Length == 0)
        {
            return tar;
        }
        foreach (var (at, value) in mutations)
        {
            tar[at % tar.Length] = value;
        }
        return truncate && mutations.Length > 0 ? tar[..(mutations[0].At % tar.Length)] : tar;
    }

    public void Dispose() => Directory.Delete(parent, recursive: true);
}
