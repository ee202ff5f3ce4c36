using Orch.Api.V1;
using Orch.Cli.Commands.Image;

namespace Orch.Cli.Tests.Image;

public sealed class ImageNamesTests
{
    [Fact]
    public void Names_Tagged_OneRowPerTag()
    {
        var image = new ImageSummary { RepoTags = { "app:v1", "localhost:5000/app:v2" } };
        Assert.Equal([("app", "v1"), ("localhost:5000/app", "v2")], ListCommand.Names(image));
    }

    [Fact]
    public void Names_PulledByDigestOnly_ShowsRepositoryWithNoneTag()
    {
        var image = new ImageSummary { RepoDigests = { "localhost:5000/app@sha256:aa", "localhost:5000/app@sha256:bb" } };
        Assert.Equal([("localhost:5000/app", "<none>")], ListCommand.Names(image));
    }

    [Fact]
    public void Names_Dangling_NoneNone() =>
        Assert.Equal([("<none>", "<none>")], ListCommand.Names(new ImageSummary()));
}
