namespace Orch.Engine.Images;

/// <summary>No image by that reference (Docker: "No such image: busybox:latest").</summary>
public sealed class ImageNotFoundException(string reference, string? message = null) : Exception(message ?? $"No such image: {reference}")
{
    public string Reference => reference;
}

/// <summary>The request conflicts with the store's state (image in use, referenced by several names, …).</summary>
public sealed class ImageConflictException(string message) : Exception(message);

/// <summary>Content did not match the digest it was expected to have; nothing of it was kept.</summary>
public sealed class DigestMismatchException(string expected, string actual)
    : Exception($"digest mismatch: expected {expected}, got {actual}")
{
    public string Expected => expected;
    public string Actual => actual;
}

/// <summary>A malformed image reference; the message is the one-line error shown to the user.</summary>
public sealed class InvalidReferenceException(string message) : ArgumentException(message);
