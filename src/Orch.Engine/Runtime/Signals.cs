using System.Globalization;

namespace Orch.Engine.Runtime;

/// <summary>Signal names as Docker accepts them: "TERM", "SIGTERM", "15".</summary>
internal static class Signals
{
    private static readonly Dictionary<string, int> ByName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["HUP"] = 1, ["INT"] = 2, ["QUIT"] = 3, ["ILL"] = 4, ["TRAP"] = 5, ["ABRT"] = 6, ["BUS"] = 7, ["FPE"] = 8,
        ["KILL"] = 9, ["USR1"] = 10, ["SEGV"] = 11, ["USR2"] = 12, ["PIPE"] = 13, ["ALRM"] = 14, ["TERM"] = 15,
        ["STKFLT"] = 16, ["CHLD"] = 17, ["CONT"] = 18, ["STOP"] = 19, ["TSTP"] = 20, ["TTIN"] = 21, ["TTOU"] = 22,
        ["URG"] = 23, ["XCPU"] = 24, ["XFSZ"] = 25, ["VTALRM"] = 26, ["PROF"] = 27, ["WINCH"] = 28, ["IO"] = 29,
        ["PWR"] = 30, ["SYS"] = 31,
    };

    public static int Parse(string signal)
    {
        var s = signal.Trim();
        if (int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is > 0 and < 65)
        {
            return n;
        }
        if (s.StartsWith("SIG", StringComparison.OrdinalIgnoreCase))
        {
            s = s[3..];
        }
        return ByName.TryGetValue(s, out var v) ? v : throw new RuntimeException(RuntimeError.InvalidArgument, $"invalid signal: {signal}");
    }
}
