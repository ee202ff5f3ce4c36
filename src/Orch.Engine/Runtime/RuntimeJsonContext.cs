using System.Text.Json.Serialization;

namespace Orch.Engine.Runtime;

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.Unspecified)]
[JsonSerializable(typeof(ContainerRecord))]
internal sealed partial class RuntimeJsonContext : JsonSerializerContext;
