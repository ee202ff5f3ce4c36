namespace Orch.Engine.Registry;

/// <summary>A registry refused or failed a request; the message is what the user sees.</summary>
public sealed class RegistryException(string message, System.Net.HttpStatusCode? status = null) : Exception(message)
{
    public System.Net.HttpStatusCode? Status => status;
}
