using System.Text.Json.Serialization;

namespace Orch.Node.Swarm;

/// <summary>
/// Source-generated (de)serializer of state.json: orchd is published NativeAOT, where reflection-based
/// System.Text.Json is off. Same shape as before (PascalCase names, the role as a number), so old files load.
/// </summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(SwarmState))]
internal sealed partial class SwarmStateJson : JsonSerializerContext;
