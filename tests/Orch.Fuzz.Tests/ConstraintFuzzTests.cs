using Orch.Manager.Scheduling;

namespace Orch.Fuzz.Tests;

/// <summary>--constraint expressions (parsed by the manager): FormatException naming the expression, or a constraint whose text parses to itself.</summary>
public sealed class ConstraintFuzzTests
{
    private static readonly Gen<string> Expressions = Fuzz.Pieces(
        "node.id", "node.hostname", "node.role", "node.labels.", "node.labels.zone", "node.label", "==", "!=", "=", "!",
        "manager", "worker", "Manager", "a", " ", "\t", "zone==a", "é");

    [Fact]
    public void Parse_AnyText_ConstraintOrNamedError() =>
        Fuzz.Run(Expressions, s =>
        {
            Constraint? c = null;
            var e = Fuzz.Expect<FormatException>(() => c = Constraint.Parse(s));
            if (e is not null)
            {
                Assert.StartsWith($"invalid constraint \"{s}\": ", e.Message, StringComparison.Ordinal);
                return;
            }
            var again = Constraint.Parse(c!.Text);
            Assert.Equal(c, again);
        }, Fuzz.Show);

    /// <summary>Found by Parse_AnyText (seed 94eVv7NuTId1): a key ending in '=' or a value starting with one wrote a Text that parsed to another constraint.</summary>
    [Theory]
    [InlineData("node.labels.a= == b", "invalid key \"node.labels.a=\"")]
    [InlineData("node.labels.a == =b", "invalid value \"=b\"")]
    [InlineData("node.labels.a!x==b", "invalid key \"node.labels.a!x\"")]
    [InlineData("node.labels.a==b!", "invalid value \"b!\"")]
    public void Parse_OperatorCharacterInKeyOrValue_Refused(string expression, string why)
    {
        var e = Assert.Throws<FormatException>(() => Constraint.Parse(expression));
        Assert.StartsWith($"invalid constraint \"{expression}\": {why}", e.Message, StringComparison.Ordinal);
    }
}
