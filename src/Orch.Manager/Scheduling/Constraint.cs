using Orch.Api.V1.Objects;

namespace Orch.Manager.Scheduling;

/// <summary>
/// One placement constraint (`node.labels.zone==a`). Keys: node.id, node.hostname, node.role
/// (manager|worker), node.labels.&lt;name&gt;. Values compare case-insensitively, as Swarm's; a
/// missing label never equals anything.
/// </summary>
internal sealed record Constraint(string Key, bool Equal, string Value, string Text)
{
    private const string LabelPrefix = "node.labels.";

    /// <summary>Parses every expression; the message names the bad one and what is expected.</summary>
    /// <exception cref="FormatException">An expression is not valid.</exception>
    public static IReadOnlyList<Constraint> ParseAll(IEnumerable<string> expressions) =>
        expressions.Select(Parse).ToList();

    /// <exception cref="FormatException">The expression is not valid.</exception>
    public static Constraint Parse(string expression)
    {
        var eq = expression.IndexOf("==", StringComparison.Ordinal);
        var ne = expression.IndexOf("!=", StringComparison.Ordinal);
        if (eq < 0 && ne < 0)
        {
            throw new FormatException($"invalid constraint \"{expression}\": expected KEY==VALUE or KEY!=VALUE");
        }
        var at = eq >= 0 && (ne < 0 || eq < ne) ? eq : ne;
        var key = expression[..at].Trim();
        var value = expression[(at + 2)..].Trim();
        if (value.Contains("==", StringComparison.Ordinal) || value.Contains("!=", StringComparison.Ordinal))
        {
            throw new FormatException($"invalid constraint \"{expression}\": more than one operator");
        }
        if (value.Length == 0)
        {
            throw new FormatException($"invalid constraint \"{expression}\": no value after the operator");
        }
        var known = key is "node.id" or "node.hostname" or "node.role"
            || (key.StartsWith(LabelPrefix, StringComparison.Ordinal) && key.Length > LabelPrefix.Length);
        if (!known)
        {
            throw new FormatException(
                $"invalid constraint \"{expression}\": unknown key \"{key}\" (use node.id, node.hostname, node.role or node.labels.NAME)");
        }
        // swarmkit's key and value patterns: an '=' or '!' in either would make the expression's text
        // ("node.labels.a= == b" → "node.labels.a===b") read back as another constraint.
        if (!key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
        {
            throw new FormatException($"invalid constraint \"{expression}\": invalid key \"{key}\" (letters, digits, '_', '-', '.')");
        }
        if (value.Contains('=', StringComparison.Ordinal) || value.Contains('!', StringComparison.Ordinal))
        {
            throw new FormatException($"invalid constraint \"{expression}\": invalid value \"{value}\" ('=' and '!' are operators)");
        }
        if (key == "node.role" && !value.Equals("manager", StringComparison.OrdinalIgnoreCase)
            && !value.Equals("worker", StringComparison.OrdinalIgnoreCase))
        {
            throw new FormatException($"invalid constraint \"{expression}\": node.role is manager or worker");
        }
        return new Constraint(key, at == eq, value, $"{key}{(at == eq ? "==" : "!=")}{value}");
    }

    public bool Matches(Node node)
    {
        string? actual = Key switch
        {
            "node.id" => node.Id,
            "node.hostname" => node.Description?.Hostname ?? "",
            "node.role" => node.Spec?.Role == NodeRole.Manager ? "manager" : "worker",
            _ => node.Spec?.Labels.TryGetValue(Key[LabelPrefix.Length..], out var v) == true ? v : null,
        };
        var same = actual is not null && string.Equals(actual, Value, StringComparison.OrdinalIgnoreCase);
        return Equal ? same : !same;
    }
}
