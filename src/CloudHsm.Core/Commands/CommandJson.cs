using System.Text.Json;
using System.Text.Json.Serialization;

namespace CloudHsm.Core.Commands;

/// <summary>The byte form of commands: what the local log stores now and what Raft will replicate.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(PartitionCommand))]
internal sealed partial class CommandJsonContext : JsonSerializerContext;

public static class CommandJson
{
    public static byte[] Serialize(PartitionCommand command) =>
        JsonSerializer.SerializeToUtf8Bytes(command, CommandJsonContext.Default.PartitionCommand);

    public static PartitionCommand Deserialize(ReadOnlySpan<byte> bytes) =>
        JsonSerializer.Deserialize(bytes, CommandJsonContext.Default.PartitionCommand)
        ?? throw new JsonException("empty command");
}
