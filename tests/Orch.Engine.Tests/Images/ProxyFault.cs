namespace Orch.Engine.Tests.Images;

/// <summary>What the proxy does with one request instead of forwarding it.</summary>
internal enum ProxyFault
{
    None,
    /// <summary>Cuts the connection in the middle of the answer.</summary>
    Reset,
    ServiceUnavailable,
    /// <summary>429 with Retry-After: 1.</summary>
    TooManyRequests,
    Forbidden,
    /// <summary>Forwards the answer's headers and the first half of its body, then sends nothing more until the proxy is disposed.</summary>
    Stall,
}
