namespace Orch.Engine.Runtime.Cgroups;

/// <summary>
/// cgroup v2 has no devices.allow file: device access is decided by a BPF_PROG_TYPE_CGROUP_DEVICE program attached
/// to the group. This builds that program from <see cref="DeviceAllowlist.Rules"/>. The program sees
/// struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; } in r1, where access_type is
/// (access &lt;&lt; 16) | type, type 1 = block, 2 = char, access bits 1 = mknod, 2 = read, 4 = write
/// (include/uapi/linux/bpf.h); it returns 1 to allow, 0 to deny (EPERM).
/// </summary>
internal static class DeviceFilter
{
    // Opcodes (include/uapi/linux/bpf_common.h, bpf.h).
    private const byte LdxMemW = 0x61;      // dst = *(u32 *)(src + off)
    private const byte Alu32AndK = 0x54;    // dst &= imm (32-bit, zero-extends)
    private const byte Alu32RshK = 0x74;    // dst >>= imm
    private const byte Alu32MovX = 0xbc;    // dst = src (32-bit)
    private const byte Alu64MovK = 0xb7;    // dst = imm
    private const byte JmpJneK = 0x55;      // if dst != imm goto pc + off
    private const byte JmpExit = 0x95;

    /// <summary>The encoded program (8 bytes per instruction) for the given devices.allow-style rules.</summary>
    public static byte[] Build(IEnumerable<string> rules)
    {
        var prog = new List<Insn>
        {
            new(LdxMemW, 2, 1, 0, 0),      // r2 = access_type
            new(Alu32AndK, 2, 0, 0, 0xffff), // r2 = type
            new(LdxMemW, 3, 1, 0, 0),      // r3 = access_type
            new(Alu32RshK, 3, 0, 0, 16),   // r3 = access
            new(LdxMemW, 4, 1, 4, 0),      // r4 = major
            new(LdxMemW, 5, 1, 8, 0),      // r5 = minor
        };
        foreach (var rule in rules)
        {
            prog.AddRange(Block(Rule.Parse(rule)));
        }
        prog.Add(new(Alu64MovK, 0, 0, 0, 0)); // nothing matched: deny
        prog.Add(new(JmpExit, 0, 0, 0, 0));
        var bytes = new byte[prog.Count * 8];
        for (var i = 0; i < prog.Count; i++)
        {
            prog[i].Write(bytes.AsSpan(i * 8));
        }
        return bytes;
    }

    /// <summary>One rule: jumps past itself unless type, major, minor match and every requested access is allowed.</summary>
    private static List<Insn> Block(Rule r)
    {
        var checks = new List<(byte Reg, int Value)>();
        if (r.Type != 0)
        {
            checks.Add((2, r.Type));
        }
        if (r.Major >= 0)
        {
            checks.Add((4, r.Major));
        }
        if (r.Minor >= 0)
        {
            checks.Add((5, r.Minor));
        }
        // Length: one jump per check, then mov, and, jne, mov r0, exit.
        var length = checks.Count + 5;
        var block = new List<Insn>();
        foreach (var (reg, value) in checks)
        {
            block.Add(new(JmpJneK, reg, 0, (short)(length - block.Count - 1), value));
        }
        block.Add(new(Alu32MovX, 1, 3, 0, 0));             // r1 = access
        block.Add(new(Alu32AndK, 1, 0, 0, ~r.Access));     // bits asked for but not allowed
        block.Add(new(JmpJneK, 1, 0, (short)(length - block.Count - 1), 0));
        block.Add(new(Alu64MovK, 0, 0, 0, 1));             // allow
        block.Add(new(JmpExit, 0, 0, 0, 0));
        return block;
    }

    private readonly record struct Insn(byte Code, byte Dst, byte Src, short Off, int Imm)
    {
        public void Write(Span<byte> to)
        {
            to[0] = Code;
            to[1] = (byte)((Src << 4) | Dst);
            BitConverter.TryWriteBytes(to[2..], Off);
            BitConverter.TryWriteBytes(to[4..], Imm);
        }
    }

    /// <summary>"c 1:3 rwm", "b *:* m", "a" (cgroup v1 devices.allow syntax).</summary>
    internal readonly record struct Rule(int Type, int Major, int Minor, int Access)
    {
        public static Rule Parse(string text)
        {
            var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var type = parts[0] switch
            {
                "a" => 0,
                "b" => 1,
                "c" => 2,
                _ => throw new FormatException($"device rule \"{text}\": type must be a, b or c"),
            };
            if (type == 0)
            {
                return new Rule(0, -1, -1, 7);
            }
            var numbers = parts[1].Split(':');
            static int Number(string s) => s == "*" ? -1 : int.Parse(s, System.Globalization.CultureInfo.InvariantCulture);
            var access = parts[2].Sum(ch => ch switch
            {
                'm' => 1,
                'r' => 2,
                'w' => 4,
                _ => throw new FormatException($"device rule \"{text}\": access must be of r, w, m"),
            });
            return new Rule(type, Number(numbers[0]), Number(numbers[1]), access);
        }
    }
}
