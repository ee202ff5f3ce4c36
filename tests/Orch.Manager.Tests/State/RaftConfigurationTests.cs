using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Orch.Manager.State;

namespace Orch.Manager.Tests.State;

public sealed class RaftConfigurationTests
{
    private static RaftStoreOptions Options(RaftBootstrap bootstrap) => new()
    {
        DataDir = "/nonexistent/orch-test",
        RaftEndPoint = new IPEndPoint(IPAddress.Any, 2377),
        AdvertisedRaftEndPoint = new IPEndPoint(IPAddress.Parse("10.77.0.1"), 2377),
        ApiAddress = "10.77.0.1:2378",
        Bootstrap = bootstrap,
    };

    [Fact]
    public void CreateConfiguration_Defaults_AreTheMeasuredRecommendation()
    {
        var config = RaftStore.CreateConfiguration(Options(RaftBootstrap.Restart), NullLoggerFactory.Instance);

        Assert.Equal(1000, config.LowerElectionTimeout);
        Assert.Equal(2000, config.UpperElectionTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(900), config.RequestTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(200), config.ConnectTimeout);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.77.0.1"), 2377), config.PublicEndPoint);
        Assert.Equal("10.77.0.1:2378", config.Metadata["api"]);
        Assert.IsType<EndPointConfigurationStorage>(config.ConfigurationStorage);
        Assert.Equal(1 << 20, Options(RaftBootstrap.Restart).WalChunkSize);
    }

    [Theory]
    [InlineData("Init", true)]
    [InlineData("ForceNewCluster", true)]
    [InlineData("Join", false)]
    [InlineData("Restart", false)]
    public void CreateConfiguration_ColdStartOnlyForANewCluster(string bootstrap, bool coldStart) =>
        Assert.Equal(coldStart, RaftStore.CreateConfiguration(Options(Enum.Parse<RaftBootstrap>(bootstrap)), NullLoggerFactory.Instance).ColdStart);
}
