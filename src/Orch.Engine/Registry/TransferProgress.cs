namespace Orch.Engine.Registry;

/// <summary>One line of pull/push progress, as Docker prints them: "&lt;id&gt;: &lt;status&gt;" or a bare status.</summary>
/// <param name="Id">Short layer ID (12 hex) or empty for a whole-image message.</param>
/// <param name="Current">With <paramref name="Total"/>: a progress bar ("Downloading", "Pushing"). Both 0 for a plain status.</param>
public sealed record TransferProgress(string Id, string Status, long Current = 0, long Total = 0);
