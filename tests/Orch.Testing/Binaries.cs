namespace Orch.Testing;

/// <summary>Locates the binaries built by deploy/build.sh (out/bin), or ORCH_BIN when set.</summary>
public static class Binaries
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string BinDir { get; } = Environment.GetEnvironmentVariable("ORCH_BIN") is { Length: > 0 } bin
        ? bin
        : Path.Combine(RepoRoot, "out", "bin");

    public static string Orch => Require("orch");
    public static string Orchd => Require("orchd");

    private static string Require(string name)
    {
        var path = Path.Combine(BinDir, name);
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} is missing: run deploy/build.sh first");
        }
        return path;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Orchestrator.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("cannot find Orchestrator.sln above " + AppContext.BaseDirectory);
    }
}
