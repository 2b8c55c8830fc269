using CloudHsm.Core.Keys;
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
    private State _state = new(null, new Dictionary<string, UserRecord>(StringComparer.Ordinal), [], []);

    private sealed record State(PartitionRecord? Partition, Dictionary<string, UserRecord> Users, SortedDictionary<ulong, KeyRecord> Keys,
        Dictionary<string, CloudHsm.Core.Commands.AppliedRequest> Requests);

    public PartitionRecord? Partition => _state.Partition;

    public UserRecord? FindUser(string name) => _state.Users.GetValueOrDefault(name);

    public IReadOnlyList<UserRecord> ListUsers() => _state.Users.Values.ToList();

    public KeyRecord? FindKey(ulong handle) => _state.Keys.GetValueOrDefault(handle);

    public IReadOnlyList<KeyRecord> FindKeys(KeyQuery query) => _state.Keys.Values.Where(query.Matches).Take(query.Limit).ToList();

    public int KeyCount => _state.Keys.Count;

    public CloudHsm.Core.Commands.AppliedRequest? FindAppliedRequest(string id) => _state.Requests.GetValueOrDefault(id);

    public T Apply<T>(Func<IPartitionWriter, T> change)
    {
        lock (_writeLock)
        {
            var writer = new Writer(_state.Partition, new Dictionary<string, UserRecord>(_state.Users, StringComparer.Ordinal),
                new SortedDictionary<ulong, KeyRecord>(_state.Keys), new Dictionary<string, CloudHsm.Core.Commands.AppliedRequest>(_state.Requests));
            var result = change(writer);
            _state = new State(writer.Partition, writer.Users, writer.Keys, writer.Requests);
            return result;
        }
    }

    private sealed class Writer(PartitionRecord? partition, Dictionary<string, UserRecord> users, SortedDictionary<ulong, KeyRecord> keys,
        Dictionary<string, CloudHsm.Core.Commands.AppliedRequest> requests) : IPartitionWriter
    {
        public SortedDictionary<ulong, KeyRecord> Keys { get; } = keys;

        public KeyRecord? FindKey(ulong handle) => Keys.GetValueOrDefault(handle);

        public IReadOnlyList<KeyRecord> FindKeys(KeyQuery query) => Keys.Values.Where(query.Matches).Take(query.Limit).ToList();

        public int KeyCount => Keys.Count;

        public void PutKey(KeyRecord key) => Keys[key.Handle] = key;

        public void RemoveKey(ulong handle) => Keys.Remove(handle);

        public void RemoveAllKeys() => Keys.Clear();

        public PartitionRecord? Partition { get; private set; } = partition;

        public Dictionary<string, UserRecord> Users { get; } = users;

        public UserRecord? FindUser(string name) => Users.GetValueOrDefault(name);

        public IReadOnlyList<UserRecord> ListUsers() => Users.Values.ToList();

        public void SetPartition(PartitionRecord partition) => Partition = partition;

        public void PutUser(UserRecord user) => Users[user.Name] = user;

        public void RemoveUser(string name) => Users.Remove(name);

        public void RemoveAllUsers() => Users.Clear();

        public Dictionary<string, CloudHsm.Core.Commands.AppliedRequest> Requests { get; } = requests;

        public CloudHsm.Core.Commands.AppliedRequest? FindRequest(string id) => Requests.GetValueOrDefault(id);

        public void PutRequest(CloudHsm.Core.Commands.AppliedRequest request) => Requests[request.Id] = request;

        public void RemoveRequestsBefore(DateTimeOffset before)
        {
            foreach (var old in Requests.Values.Where(r => r.At < before).ToList()) Requests.Remove(old.Id);
        }
    }
}
