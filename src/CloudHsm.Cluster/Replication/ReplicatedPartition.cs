using System.Text.Json;
using CloudHsm.Core.Commands;
using CloudHsm.Core.Errors;
using CloudHsm.Storage;
using DotNext.IO;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;

namespace CloudHsm.Cluster.Replication;

/// <summary>
/// The partition as DotNext's state machine. Each committed entry is applied through
/// <see cref="PartitionStateMachine.Apply"/> into the SQLite store, in one transaction that also records the
/// entry's index, so a restart's replay skips what the store holds. A snapshot is the store's rows
/// (<see cref="SqlitePartitionStore.WriteSnapshot"/>), taken when enough log has accumulated since the last one;
/// a node that is behind the leader's compacted log receives it and replaces its state with it.
/// </summary>
public sealed class ReplicatedPartition(DirectoryInfo snapshots, SqlitePartitionStore store, PendingApplies pending, long snapshotBytes)
    : SimpleStateMachine(snapshots)
{
    // Beside the snapshots folder, not in it: the base class reads every file there as a snapshot.
    private readonly string _stagingDirectory = snapshots.Parent?.FullName ?? Path.GetTempPath();
    private long _bytesSinceSnapshot;
    private long _lastIndex;

    /// <summary>Raised after a command changed the state (not for refusals or replays).</summary>
    public event Action<PartitionCommand>? Applied;

    /// <summary>Raised after the state was replaced by a snapshot.</summary>
    public event Action? Restored;

    /// <summary>
    /// Log index of the last snapshot that replaced this replica's state since the process started (0: none): how a
    /// node that was far behind, or joined with an empty data directory, shows that it caught up from a snapshot.
    /// </summary>
    public long InstalledSnapshotIndex { get; private set; }

    protected override ValueTask<bool> ApplyAsync(LogEntry entry, CancellationToken token)
    {
        _lastIndex = entry.Index;
        if (entry.IsConfiguration || entry.Length == 0 || entry.Index <= store.AppliedIndex) return ValueTask.FromResult(false);
        var payload = Read(entry);
        _bytesSinceSnapshot += payload.Length;
        var submission = LogEntryPayload.SubmissionOf(payload);
        PartitionCommand command;
        try
        {
            command = LogEntryPayload.CommandOf(payload);
        }
        catch (JsonException)
        {
            pending.Fail(submission, new HsmException(HsmError.RET_INVALID_INPUT, "The command could not be read."));
            return ValueTask.FromResult(TakeSnapshotNow());
        }
        try
        {
            var result = store.Apply(writer => PartitionStateMachine.Apply(command, writer), entry.Index);
            pending.Complete(submission, result, entry.Index);
            if (!result.Replayed) Applied?.Invoke(command);
        }
        catch (HsmException e)
        {
            // Refused the same way on every replica; nothing changed.
            pending.Fail(submission, e);
        }
        return ValueTask.FromResult(TakeSnapshotNow());
    }

    private bool TakeSnapshotNow()
    {
        if (_bytesSinceSnapshot < snapshotBytes) return false;
        _bytesSinceSnapshot = 0;
        return true;
    }

    private static byte[] Read(LogEntry entry)
    {
        if (entry.TryGetPayload(out var sequence)) return System.Buffers.BuffersExtensions.ToArray(sequence);
        using var buffer = new MemoryStream();
        foreach (var segment in entry.GetPayload()) buffer.Write(segment.Span);
        return buffer.ToArray();
    }

    protected override async ValueTask PersistAsync(IAsyncBinaryWriter writer, CancellationToken token)
    {
        // Through a temporary file, not one buffer: a partition of a million keys is over a gigabyte of rows.
        var staging = Path.Combine(_stagingDirectory, "snapshot-staging-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using (var file = new FileStream(staging, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose))
            {
                store.WriteSnapshot(file, _lastIndex);
                file.Position = 0;
                var chunk = new byte[1 << 20];
                int read;
                while ((read = await file.ReadAsync(chunk, token)) > 0) await writer.WriteAsync(chunk.AsMemory(0, read), null, token);
            }
        }
        finally
        {
            if (File.Exists(staging)) File.Delete(staging);
        }
    }

    protected override ValueTask RestoreAsync(FileInfo snapshotFile, CancellationToken token)
    {
        using var file = snapshotFile.OpenRead();
        var index = SqlitePartitionStore.ReadSnapshotIndex(file);
        if (index > store.AppliedIndex)
        {
            file.Position = 0;
            store.ReplaceWithSnapshot(file);
            InstalledSnapshotIndex = index;
            Restored?.Invoke();
        }
        return ValueTask.CompletedTask;
    }
}
