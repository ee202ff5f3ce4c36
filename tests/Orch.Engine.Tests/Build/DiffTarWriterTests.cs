using Orch.Engine.Build;
using Orch.Engine.Images.Layers;
using Orch.Engine.Tests.Images;

namespace Orch.Engine.Tests.Build;

/// <summary>What a built layer keeps of a file: file capabilities (`RUN setcap`) as Docker's builder does.</summary>
public sealed class DiffTarWriterTests
{
    [Fact]
    public async Task Write_FileCapabilities_SurviveBuildAndExtraction()
    {
        Orch.Testing.Requirements.Root();
        using var t = new TempDir();
        var upper = t.Sub("upper");
        Directory.CreateDirectory(Path.Combine(upper, "bin"));
        var ping = Path.Combine(upper, "bin/ping");
        await File.WriteAllTextAsync(ping, "#!/bin/sh\n");
        // VFS_CAP_REVISION_2 | effective, permitted = cap_net_raw: what `setcap cap_net_raw+ep` writes.
        byte[] capability = [0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        LayerSyscalls.SetXattrBytes(ping, "security.capability", capability);

        using var tar = new MemoryStream();
        await DiffTarWriter.WriteAsync(upper, tar, CancellationToken.None);
        var fs = t.Sub("fs");
        await LayerExtractorTests.ExtractAsync(tar.ToArray(), fs);

        Assert.Equal(capability, LayerSyscalls.GetXattrBytes(Path.Combine(fs, "bin/ping"), "security.capability"));
    }

    [Fact]
    public async Task Write_CapabilityThatIsNotUtf8_FailsNamingTheFile()
    {
        Orch.Testing.Requirements.Root();
        using var t = new TempDir();
        var upper = t.Sub("upper");
        var tool = Path.Combine(upper, "tool");
        await File.WriteAllTextAsync(tool, "x");
        // cap_setfcap is bit 31: a 0x80 byte, not UTF-8.
        byte[] capability = [0x01, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        LayerSyscalls.SetXattrBytes(tool, "security.capability", capability);

        using var tar = new MemoryStream();
        var e = await Assert.ThrowsAsync<IOException>(() => DiffTarWriter.WriteAsync(upper, tar, CancellationToken.None));
        Assert.Contains("tool", e.Message);
        Assert.Contains("security.capability", e.Message);
    }
}
