using System.Collections.Concurrent;
using CloudHsm.Core.Commands;
using CloudHsm.Core.Errors;

namespace CloudHsm.Core.Keys;

/// <summary>
/// Keeps the last-used time of token keys without a write per operation: a use is recorded only
/// when the stored time is older than <see cref="Resolution"/>, and pending uses go out together in
/// one <see cref="RecordKeyUse"/> command. Attach it to <see cref="KeyObjects.Used"/>, which hands
/// over the record the operation already read, so a use costs no second read of the store.
/// </summary>
public sealed class KeyUseRecorder(ICommandLog log, TimeProvider clock)
{
    public static readonly TimeSpan Resolution = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<ulong, byte> _pending = new();
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private Task _flush = Task.CompletedTask;

    public void Attach(KeyObjects objects) => objects.Used += Used;

    public void Used(KeyRecord key)
    {
        if (key.LastUsedAt is { } last && clock.GetUtcNow() - last < Resolution) return;
        if (_pending.TryAdd(key.Handle, 0) && _flushing.CurrentCount > 0)
        {
            _flush = Task.Run(() => FlushAsync());
        }
    }

    /// <summary>Sends the pending uses now; returns when they are applied.</summary>
    public async Task FlushAsync(CancellationToken ct = default)
    {
        await _flushing.WaitAsync(ct);
        try
        {
            while (_pending.Keys.ToArray() is { Length: > 0 } handles)
            {
                foreach (var h in handles) _pending.TryRemove(h, out _);
                try
                {
                    await log.SubmitAsync(new RecordKeyUse(handles) { At = clock.GetUtcNow() }, ct);
                }
                catch (HsmException)
                {
                    // the partition went away (zeroize) or stopped taking commands: the report loses these uses, nothing else
                }
            }
        }
        finally
        {
            _flushing.Release();
        }
        // A use that arrived after the last look but before the release has no flush of its own.
        if (!_pending.IsEmpty && _flushing.CurrentCount > 0) _flush = Task.Run(() => FlushAsync(CancellationToken.None));
    }

    /// <summary>Waits for a flush in flight (tests and shutdown).</summary>
    public Task Pending => _flush;
}
