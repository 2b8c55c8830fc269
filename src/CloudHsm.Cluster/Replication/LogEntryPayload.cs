using CloudHsm.Core.Commands;

namespace CloudHsm.Cluster.Replication;

/// <summary>
/// A replicated log entry: the submission id (16 bytes, so the node that submitted it learns the outcome)
/// followed by the command in its byte form (<see cref="CommandJson"/>).
/// </summary>
public static class LogEntryPayload
{
    public const int HeaderLength = 16;

    public static byte[] Create(Guid submission, PartitionCommand command)
    {
        var json = CommandJson.Serialize(command);
        var payload = new byte[HeaderLength + json.Length];
        submission.TryWriteBytes(payload);
        json.CopyTo(payload, HeaderLength);
        return payload;
    }

    public static Guid SubmissionOf(ReadOnlySpan<byte> payload) => new(payload[..HeaderLength]);

    public static PartitionCommand CommandOf(ReadOnlySpan<byte> payload) => CommandJson.Deserialize(payload[HeaderLength..]);
}
