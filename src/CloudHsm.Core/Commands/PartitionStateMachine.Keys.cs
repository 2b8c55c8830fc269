using CloudHsm.Core.Errors;
using CloudHsm.Core.Keys;
using CloudHsm.Core.Partition;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Commands;

/// <summary>The state machine's key commands: create, delete, set an attribute, share.</summary>
public static partial class PartitionStateMachine
{
    private static void CreateKeys(CreateKeys c, PartitionRecord partition, IPartitionWriter state)
    {
        Permissions.Require(c.Actor, partition, Operation.UseKeys);
        var shares = (c.Shares ?? []).Where(u => u != c.Actor.Name && state.FindUser(u) is { Type: UserType.CU }).Distinct().ToList();
        PutNewKeys(c.Keys, c.Actor, c.At, partition, state, shares, c.History);
    }

    /// <summary>Stores one key or a pair (each the other's partner), within the partition's capacity.</summary>
    private static void PutNewKeys(NewKey[] keys, Actor owner, DateTimeOffset at, PartitionRecord partition, IPartitionWriter state,
        IReadOnlyList<string> shares, KeyHistory? history = null)
    {
        if (keys.Length is 0 or > 2)
        {
            throw new HsmException(HsmError.RET_INVALID_INPUT, "A command creates one key or one key pair.");
        }
        if (state.KeyCount + keys.Length > partition.Policy.MaxKeys)
        {
            throw new HsmException(HsmError.RET_OBJECT_LIMIT_REACHED,
                $"The partition holds {state.KeyCount} of its {partition.Policy.MaxKeys} key handles; delete unused keys or raise the limit.");
        }
        if (keys.Any(k => !k.Attributes.IsTrue(AttributeId.Token)))
        {
            throw new HsmException(HsmError.RET_ATTRIBUTE_VALUE_INVALID, "Session keys (TOKEN = 0) are never stored in the partition.");
        }
        if (keys.Length == 2 && keys[0].Handle == keys[1].Handle)
        {
            throw new HsmException(HsmError.RET_KEY_HANDLE_TAKEN, "The key handle is taken; try again.");
        }
        foreach (var key in keys)
        {
            if (key.Handle == 0 || state.FindKey(key.Handle) is not null)
            {
                throw new HsmException(HsmError.RET_KEY_HANDLE_TAKEN, "The key handle is taken; try again.");
            }
        }
        for (var i = 0; i < keys.Length; i++)
        {
            state.PutKey(new KeyRecord
            {
                Handle = keys[i].Handle,
                Owner = owner.Name,
                Shares = shares,
                Attributes = keys[i].Attributes,
                SealedMaterial = keys[i].SealedMaterial,
                CreatedAt = history?.CreatedAt ?? at,
                LastUsedAt = history?.LastUsedAt,
                RetiredAt = history?.RetiredAt,
                Partner = keys.Length == 2 ? keys[1 - i].Handle : null,
            });
        }
    }

    private static void RotateKey(RotateKey c, PartitionRecord partition, IPartitionWriter state)
    {
        Permissions.Require(c.Actor, partition, Operation.UseKeys);
        var predecessors = Retirable(state, c.Actor, c.Handle, "rotate");
        if (c.Successors.Length != predecessors.Count
            || c.Successors.Zip(predecessors).Any(p => p.First.Attributes.Number(AttributeId.Class) != (ulong)p.Second.Class
                || p.First.Attributes.Number(AttributeId.KeyType) != (ulong)p.Second.KeyType))
        {
            throw new HsmException(HsmError.RET_INVALID_INPUT, "A successor must match its predecessor's class and type.");
        }
        // The predecessors leave no capacity: the successors need their own handles. Users the key
        // was shared with keep their use of its successor.
        PutNewKeys(c.Successors, c.Actor, c.At, partition, state, predecessors[0].Shares);
        for (var i = 0; i < predecessors.Count; i++)
        {
            state.PutKey(Retired(predecessors[i], c.At) with { Successor = c.Successors[i].Handle });
        }
    }

    private static void RetireKey(RetireKey c, PartitionRecord partition, IPartitionWriter state)
    {
        Permissions.Require(c.Actor, partition, Operation.UseKeys);
        foreach (var key in Retirable(state, c.Actor, c.Handle, "retire")) state.PutKey(Retired(key, c.At));
    }

    private static void RecordKeyUse(RecordKeyUse c, IPartitionWriter state)
    {
        foreach (var handle in c.Handles.Distinct().Take(10_000))
        {
            if (state.FindKey(handle) is { } key && (key.LastUsedAt is null || key.LastUsedAt < c.At))
            {
                state.PutKey(key with { LastUsedAt = c.At });
            }
        }
    }

    /// <summary>The owned, not yet retired key and its partner (the private half first).</summary>
    private static List<KeyRecord> Retirable(IPartitionView state, Actor actor, ulong handle, string verb)
    {
        var key = OwnedKey(state, actor, handle, verb);
        if (key.RetiredAt is not null)
        {
            throw new HsmException(HsmError.RET_KEY_RETIRED, "The key was already rotated or retired.");
        }
        var keys = new List<KeyRecord> { key };
        if (key.Partner is { } partner && state.FindKey(partner) is { RetiredAt: null } other && other.Owner == actor.Name) keys.Add(other);
        return [.. keys.OrderBy(k => k.Class == ObjectClass.PrivateKey ? 0 : 1)];
    }

    /// <summary>The key as rotation leaves it: usable only to decrypt, verify and unwrap.</summary>
    private static KeyRecord Retired(KeyRecord key, DateTimeOffset at) => key with
    {
        RetiredAt = at,
        Attributes = RetiredUsages.Aggregate(key.Attributes, (set, id) => set.Contains(id) ? set.With(id, false) : set),
    };

    /// <summary>What a retired key may no longer do: make new signatures, ciphertexts, wrapped keys or derived keys.</summary>
    internal static readonly AttributeId[] RetiredUsages = [AttributeId.Encrypt, AttributeId.Sign, AttributeId.Wrap, AttributeId.Derive];

    private static void DeleteKey(DeleteKey c, PartitionRecord partition, IPartitionWriter state)
    {
        Permissions.Require(c.Actor, partition, Operation.UseKeys);
        var key = OwnedKey(state, c.Actor, c.Handle, "delete");
        if (key.Attributes.Bool(AttributeId.Destroyable) == false)
        {
            throw new HsmException(HsmError.RET_ATTRIBUTE_READ_ONLY, "The key is not destroyable (DESTROYABLE = 0).");
        }
        state.RemoveKey(key.Handle);
    }

    private static void SetKeyAttribute(SetKeyAttribute c, PartitionRecord partition, IPartitionWriter state)
    {
        Permissions.Require(c.Actor, partition, Operation.ManageKeyTrust);
        var key = state.RequireReachableKey(c.Actor, c.Handle);
        var restrictions = state.FindUser(c.Actor.Name)?.Restrictions ?? UserRestrictions.None;
        if (key.RetiredAt is not null && RetiredUsages.Contains(c.Attribute) && c.Value is [not 0])
        {
            throw new HsmException(HsmError.RET_KEY_RETIRED, $"The key was rotated or retired: {c.Attribute} stays 0.");
        }
        var changed = AttributePolicy.Change(key.Attributes, c.Attribute, c.Value, c.Actor, key.Owner == c.Actor.Name, restrictions);
        state.PutKey(key with { Attributes = changed });
    }

    private static void ShareKey(ShareKey c, PartitionRecord partition, IPartitionWriter state)
    {
        Permissions.Require(c.Actor, partition, Operation.UseKeys);
        var key = OwnedKey(state, c.Actor, c.Handle, "share");
        if (state.FindUser(c.User) is not { Type: UserType.CU } || c.User == key.Owner)
        {
            throw new HsmException(HsmError.RET_USER_NOT_FOUND, $"There is no other CU named '{c.User}'.");
        }
        var shares = c.Share ? key.Shares.Append(c.User).Distinct().ToList() : key.Shares.Where(u => u != c.User).ToList();
        state.PutKey(key with { Shares = shares });
    }

    /// <summary>A key the actor owns; a key it only uses is refused, one it cannot see is "not found".</summary>
    private static KeyRecord OwnedKey(IPartitionView state, Actor actor, ulong handle, string verb)
    {
        var key = state.RequireReachableKey(actor, handle);
        if (key.Owner != actor.Name)
        {
            throw new HsmException(HsmError.RET_OPERATION_NOT_PERMITTED, $"Only the key's owner may {verb} it; it is shared with you for use only.");
        }
        return key;
    }
}
