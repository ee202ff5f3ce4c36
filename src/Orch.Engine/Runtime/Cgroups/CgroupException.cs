namespace Orch.Engine.Runtime.Cgroups;

/// <summary>A cgroup operation failed; the message names the file or directory and what was attempted.</summary>
public sealed class CgroupException : Exception
{
    public CgroupException(string message)
        : base(message)
    {
    }

    public CgroupException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
