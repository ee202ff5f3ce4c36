namespace Orch.Engine.Runtime.Cgroups;

/// <summary>
/// One line of /proc/PID/mountinfo (proc(5)): "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue".
/// Fields before " - " have a variable number of optional fields; octal escapes (\040) are decoded.
/// </summary>
internal sealed record MountInfoLine(string Root, string MountPoint, string FsType, string SuperOptions)
{
    public static MountInfoLine? Parse(string line)
    {
        var sep = line.IndexOf(" - ", StringComparison.Ordinal);
        if (sep < 0)
        {
            return null;
        }
        var left = line[..sep].Split(' ');
        var right = line[(sep + 3)..].Split(' ');
        if (left.Length < 6 || right.Length < 3)
        {
            return null;
        }
        return new MountInfoLine(Unescape(left[3]), Unescape(left[4]), right[0], right[2]);
    }

    private static string Unescape(string s)
    {
        if (!s.Contains('\\', StringComparison.Ordinal))
        {
            return s;
        }
        var sb = new System.Text.StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && IsOctal(s, i + 1))
            {
                sb.Append((char)Convert.ToInt32(s.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                sb.Append(s[i]);
            }
        }
        return sb.ToString();
    }

    private static bool IsOctal(string s, int at) =>
        at + 3 <= s.Length && s[at] is >= '0' and <= '7' && s[at + 1] is >= '0' and <= '7' && s[at + 2] is >= '0' and <= '7';
}
