namespace Orch.Engine.Tests.Images;

/// <summary>A scratch directory under /tmp removed after the test (with whatever mounts a failed test left in it).</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "orch-img-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Sub(string name)
    {
        var p = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(p);
        return p;
    }

    public void Dispose()
    {
        Orch.Testing.LeakCheck.UnmountBelow(Path);
        Directory.Delete(Path, recursive: true);
    }
}
