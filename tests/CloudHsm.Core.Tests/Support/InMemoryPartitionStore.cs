using CloudHsm.Core.Partition;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Tests.Support;

/// <summary>
/// Partition state in memory with the store's contract: <see cref="Apply{T}"/> works on a copy and
/// commits it only when the change returns, so a refusal leaves the state as it was.
/// </summary>
internal sealed class InMemoryPartitionStore : IPartitionStore
{
    private readonly Lock _writeLock = new();
    private State _state = new(null, new Dictionary<string, UserRecord>(StringComparer.Ordinal));

    private sealed record State(PartitionRecord? Partition, Dictionary<string, UserRecord> Users);

    public PartitionRecord? Partition => _state.Partition;

    public UserRecord? FindUser(string name) => _state.Users.GetValueOrDefault(name);

    public IReadOnlyList<UserRecord> ListUsers() => _state.Users.Values.ToList();

    public T Apply<T>(Func<IPartitionWriter, T> change)
    {
        lock (_writeLock)
        {
            var writer = new Writer(_state.Partition, new Dictionary<string, UserRecord>(_state.Users, StringComparer.Ordinal));
            var result = change(writer);
            _state = new State(writer.Partition, writer.Users);
            return result;
        }
    }

    private sealed class Writer(PartitionRecord? partition, Dictionary<string, UserRecord> users) : IPartitionWriter
    {
        public PartitionRecord? Partition { get; private set; } = partition;

        public Dictionary<string, UserRecord> Users { get; } = users;

        public UserRecord? FindUser(string name) => Users.GetValueOrDefault(name);

        public IReadOnlyList<UserRecord> ListUsers() => Users.Values.ToList();

        public void SetPartition(PartitionRecord partition) => Partition = partition;

        public void PutUser(UserRecord user) => Users[user.Name] = user;

        public void RemoveUser(string name) => Users.Remove(name);

        public void RemoveAllUsers() => Users.Clear();
    }
}
