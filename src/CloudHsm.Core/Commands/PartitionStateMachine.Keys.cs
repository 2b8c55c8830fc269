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
        if (c.Keys.Length is 0 or > 2)
        {
            throw new HsmException(HsmError.RET_INVALID_INPUT, "A command creates one key or one key pair.");
        }
        if (state.KeyCount + c.Keys.Length > partition.Policy.MaxKeys)
        {
            throw new HsmException(HsmError.RET_OBJECT_LIMIT_REACHED,
                $"The partition holds {state.KeyCount} of its {partition.Policy.MaxKeys} key handles; delete unused keys or raise the limit.");
        }
        foreach (var key in c.Keys)
        {
            if (key.Handle == 0 || state.FindKey(key.Handle) is not null)
            {
                throw new HsmException(HsmError.RET_KEY_HANDLE_TAKEN, "The key handle is taken; try again.");
            }
            state.PutKey(new KeyRecord
            {
                Handle = key.Handle,
                Owner = c.Actor.Name,
                Attributes = key.Attributes,
                SealedMaterial = key.SealedMaterial,
                CreatedAt = c.At,
            });
        }
    }

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
