namespace Orch.Node.Api;

/// <summary>Stands in for the control API while the node has no manager; <see cref="LocalControlGate"/> refuses every call before it gets here.</summary>
internal sealed class NoManagerControl : Orch.Api.V1.Control.ControlBase;
