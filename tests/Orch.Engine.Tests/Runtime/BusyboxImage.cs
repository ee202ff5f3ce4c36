using System.Text.Json;
using Orch.Testing;

namespace Orch.Engine.Tests.Runtime;

/// <summary>The busybox image of deploy/images/busybox.sh, imported into a test daemon.</summary>
internal static class BusyboxImage
{
    public const string Name = "busybox";

    /// <summary>Imports the image; returns its (single) unpacked layer directory, as a container's overlay uses it.</summary>
    public static async Task<string> InstallAsync(TestDaemon d)
    {
        await TestImages.BusyboxAsync(d);
        var id = CliAssert.Ok(await d.OrchAsync("create", "--network", "none", Name, "true")).Stdout.Trim();
        var inspect = JsonDocument.Parse(CliAssert.Ok(await d.OrchAsync("inspect", id)).Stdout).RootElement[0];
        CliAssert.Ok(await d.OrchAsync("rm", id));
        return inspect.GetProperty("GraphDriver").GetProperty("Data").GetProperty("LowerDir").GetString()!;
    }
}
