using Orch.LoadBalancer.Kernel;

namespace Orch.LoadBalancer.Tests;

public sealed class BpfMapTests
{
    [Theory]
    [InlineData("0-1\n", 2)]
    [InlineData("0\n", 1)]
    [InlineData("0-3,8-11\n", 12)] // values are copied up to the highest possible CPU at most; the tail of a larger buffer stays zero
    [InlineData("", 7)]
    [InlineData("garbage", 7)]
    public void ParseCpuList_GivesHowManyPerCpuCopiesAValueHoldsAtMost(string list, int want) =>
        Assert.Equal(want, BpfMap.ParseCpuList(list, fallback: 7));
}
