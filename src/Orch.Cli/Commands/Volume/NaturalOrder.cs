namespace Orch.Cli.Commands.Volume;

/// <summary>Natural order ("vol2" before "vol10"), as docker/cli sorts volume names.</summary>
internal static class NaturalOrder
{
    public static int Compare(string a, string b)
    {
        int i = 0, j = 0;
        while (i < a.Length && j < b.Length)
        {
            if (char.IsAsciiDigit(a[i]) && char.IsAsciiDigit(b[j]))
            {
                var si = i;
                var sj = j;
                while (i < a.Length && char.IsAsciiDigit(a[i]))
                {
                    i++;
                }
                while (j < b.Length && char.IsAsciiDigit(b[j]))
                {
                    j++;
                }
                var na = a[si..i].TrimStart('0');
                var nb = b[sj..j].TrimStart('0');
                var c = na.Length != nb.Length ? na.Length.CompareTo(nb.Length) : string.CompareOrdinal(na, nb);
                if (c != 0)
                {
                    return c;
                }
                continue;
            }
            if (a[i] != b[j])
            {
                return a[i].CompareTo(b[j]);
            }
            i++;
            j++;
        }
        return (a.Length - i).CompareTo(b.Length - j);
    }
}
