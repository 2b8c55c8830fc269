using CloudHsm.Core.Commands;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Keys;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Partition;

/// <summary>Lookups every service and the state machine share, with their one refusal each.</summary>
public static class PartitionViews
{
    /// <summary>The partition, or RET_NOT_ACTIVATED before it was initialised.</summary>
    public static PartitionRecord RequirePartition(this IPartitionView state) =>
        state.Partition ?? throw new HsmException(HsmError.RET_NOT_ACTIVATED, "The partition is not initialised.");

    /// <summary>
    /// A key the actor can reach: a CU its own and shared keys, a CO every key (it manages TRUSTED).
    /// Any other key is "not found", so its existence is not revealed.
    /// </summary>
    public static KeyRecord RequireReachableKey(this IPartitionView state, Actor actor, ulong handle)
    {
        var key = state.FindKey(handle);
        if (key is null || (actor.Type != UserType.CO && !key.IsVisibleTo(actor.Name)))
        {
            throw new HsmException(HsmError.RET_KEY_NOT_FOUND, $"There is no key with handle {handle} that you can use.");
        }
        return key;
    }
}
