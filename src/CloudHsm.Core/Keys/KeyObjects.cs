using System.Security.Cryptography;
using CloudHsm.Core.Commands;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Mechanisms;
using CloudHsm.Core.Partition;
using CloudHsm.Core.Sealing;
using CloudHsm.Core.Sessions;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Keys;

/// <summary>
/// The key objects a caller can reach, token keys (replicated partition state, changed only through
/// commands) and its own session keys (node memory) alike: the one place that finds a key for a
/// caller, checks that it may be used, owned or changed, creates new keys, and unseals material.
/// Every key service works through it.
/// </summary>
public sealed class KeyObjects(IPartitionView state, ICommandLog log, DomainKeys keys, SessionKeyStore sessionKeys, TimeProvider clock)
{
    private const int HandleAttempts = 8;

    public IPartitionView State => state;
    public TimeProvider Clock => clock;
    public SessionKeyStore SessionKeys => sessionKeys;
    public DomainKeys DomainKeys => keys;
    /// <summary>Keys kept loaded between crypto calls (<see cref="CryptoService"/>); a deleted key's entry is dropped here.</summary>
    public LoadedKeyCache LoadedKeys { get; } = new();

    /// <summary>Called after each use of a token key (sign, decrypt, wrap...), for the last-used report.</summary>
    public event Action<KeyRecord>? Used;

    public PartitionRecord RequireUser(LoginContext caller)
    {
        var partition = state.RequirePartition();
        Permissions.Require(caller.Actor, partition, Operation.UseKeys);
        return partition;
    }

    /// <summary>A key the caller can see: its own session key, or a token key it owns or was shared (a CO: any token key).</summary>
    public KeyRecord Reachable(LoginContext caller, ulong handle) =>
        sessionKeys.Find(caller, handle) ?? state.RequireReachableKey(caller.Actor, handle);

    /// <summary>A key the caller owns (a CU); a key it only uses is refused, one it cannot see is "not found".</summary>
    public KeyRecord Owned(LoginContext caller, ulong handle, string verb)
    {
        RequireUser(caller);
        var key = Reachable(caller, handle);
        if (key.Owner != caller.Actor.Name)
        {
            throw new HsmException(HsmError.RET_OPERATION_NOT_PERMITTED, $"Only the key's owner may {verb} it; it is shared with you for use only.");
        }
        return key;
    }

    /// <summary>A key the caller (a CU) may use for an operation: right class, usage flag set.</summary>
    public KeyRecord Usable(LoginContext caller, ulong handle, AttributeId usage, params ObjectClass[] classes)
    {
        RequireUser(caller);
        var key = Reachable(caller, handle);
        if (!classes.Contains(key.Class))
        {
            throw new HsmException(HsmError.RET_KEY_TYPE_INCONSISTENT, $"A {key.Class} cannot be used for this operation.");
        }
        if (!key.Attributes.IsTrue(usage))
        {
            if (key.RetiredAt is not null && usage is AttributeId.Encrypt or AttributeId.Sign or AttributeId.Wrap or AttributeId.Derive)
            {
                throw new HsmException(HsmError.RET_KEY_RETIRED, "The key was rotated or retired: it may only decrypt, verify and unwrap.");
            }
            throw new HsmException(HsmError.RET_KEY_FUNCTION_NOT_PERMITTED, $"The key does not allow {usage.ToString().ToUpperInvariant()} (its usage flag is 0).");
        }
        return key;
    }

    /// <summary>Refuses when a CO has set this restriction on the caller (setUserAttributes).</summary>
    public void RequireNotRestricted(LoginContext caller, UserRestrictions restriction, string what)
    {
        if (state.FindUser(caller.Actor.Name) is { } user && user.Restrictions.HasFlag(restriction))
        {
            throw new HsmException(HsmError.RET_OPERATION_NOT_PERMITTED, $"A CO has forbidden this user to {what} (setUserAttributes).");
        }
    }

    /// <summary>Keys the caller can see matching a query: its session keys first, then token keys, in handle order.</summary>
    public IReadOnlyList<KeyRecord> Find(LoginContext caller, KeyQuery query)
    {
        Permissions.Require(caller.Actor, state.RequirePartition(), Operation.ManageKeyTrust);
        var limit = Math.Clamp(query.Limit, 1, 10_000);
        var scoped = (caller.Actor.Type == UserType.CU ? query with { VisibleTo = caller.Actor.Name } : query) with { Limit = limit };
        var tokenKeys = state.FindKeys(scoped);
        var own = sessionKeys.Of(caller).Where(scoped.Matches).ToList();
        return own.Count == 0 ? tokenKeys : [.. own.Concat(tokenKeys).OrderBy(k => k.Handle).Take(limit)];
    }

    /// <summary>Runs <paramref name="use"/> with the key's material in clear, wiped after.</summary>
    public T WithMaterial<T>(KeyRecord key, Func<byte[], T> use)
    {
        var material = keys.Secrets.Unseal(key.SealedMaterial, SealPurpose.KeyMaterial);
        try
        {
            return use(material);
        }
        catch (MechanismException e)
        {
            throw ToHsmException(e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
        }
    }

    /// <summary>A mechanism's refusal as the client sees it.</summary>
    public static HsmException ToHsmException(MechanismException e) => new(e.Reason switch
    {
        MechanismError.MechanismParamInvalid => HsmError.RET_MECHANISM_PARAM_INVALID,
        MechanismError.KeyTypeInconsistent => HsmError.RET_KEY_TYPE_INCONSISTENT,
        MechanismError.KeySizeRange => HsmError.RET_KEY_SIZE_RANGE,
        MechanismError.CurveNotSupported => HsmError.RET_CURVE_NOT_SUPPORTED,
        MechanismError.DataLenRange => HsmError.RET_DATA_LEN_RANGE,
        _ => HsmError.RET_MECHANISM_INVALID,
    }, e.Message);

    /// <summary>Refuses a mechanism that is not FIPS-approved unless the partition has the non-FIPS switch on.</summary>
    public void RequireApproved(bool approved, MechanismId id)
    {
        if (!approved && state.Partition?.Policy.AllowNonApprovedMechanisms != true)
        {
            throw new HsmException(HsmError.RET_MECHANISM_INVALID,
                $"Mechanism 0x{(ulong)id:X} is not FIPS-approved for this use; start the partition with the non-FIPS switch to allow it.");
        }
    }

    public byte[] Seal(ReadOnlySpan<byte> material) => keys.Secrets.Seal(material, SealPurpose.KeyMaterial);

    /// <summary>Notes a use of a key (token keys only), for the last-used report.</summary>
    public void NoteUse(KeyRecord key)
    {
        if (key.IsToken) Used?.Invoke(key);
    }

    /// <summary>
    /// Creates one key or a pair, owned by the caller: token keys through a command, session keys
    /// (TOKEN = 0) in this node's memory. Wipes the given material in every case.
    /// </summary>
    public async ValueTask<ulong[]> CreateAsync(LoginContext caller, (AttributeSet Attributes, byte[] Material)[] newKeys,
        IReadOnlyList<string>? shares = null, CancellationToken ct = default, KeyHistory? history = null)
    {
        try
        {
            RequireUser(caller);
            var sealedKeys = newKeys.Select(k => (k.Attributes, Sealed: Seal(k.Material))).ToArray();
            return await CreateSealedAsync(caller, sealedKeys, shares, ct, history);
        }
        finally
        {
            foreach (var (_, material) in newKeys) CryptographicOperations.ZeroMemory(material);
        }
    }

    /// <summary>
    /// <see cref="CreateAsync"/> for material that is sealed already: a copy (C_CopyObject) shares
    /// its original's sealed material, so the clear material never comes out for it.
    /// </summary>
    public async ValueTask<ulong[]> CreateSealedAsync(LoginContext caller, (AttributeSet Attributes, byte[] Sealed)[] sealedKeys,
        IReadOnlyList<string>? shares = null, CancellationToken ct = default, KeyHistory? history = null)
    {
        var partition = RequireUser(caller);
        if (sealedKeys.Any(k => !k.Attributes.IsTrue(AttributeId.Token)))
        {
            if (sealedKeys.Any(k => k.Attributes.IsTrue(AttributeId.Token)) || shares is { Count: > 0 })
            {
                throw new HsmException(HsmError.RET_ATTRIBUTE_VALUE_INVALID, "Both halves of a pair are token keys or both session keys; session keys are not shared.");
            }
            return CreateSessionKeys(caller, partition, sealedKeys, history);
        }
        RequireCapacity(partition, sealedKeys.Length);
        return await SubmitWithFreshHandlesAsync(sealedKeys.Length, handles =>
            new CreateKeys(caller.Actor, sealedKeys.Select((k, i) => new NewKey(handles[i], k.Attributes, k.Sealed)).ToArray())
            {
                At = clock.GetUtcNow(),
                Shares = shares is { Count: > 0 } ? [.. shares] : null,
                History = history,
            }, ct);
    }

    /// <summary>setAttribute on a token key (a command) or a session key (here); TOKEN 0 -> 1 makes a session key a token key.</summary>
    public async ValueTask SetAttributeAsync(LoginContext caller, ulong handle, AttributeId id, byte[] value, CancellationToken ct = default)
    {
        if (sessionKeys.Find(caller, handle) is not { } sessionKey)
        {
            await log.SubmitAsync(new SetKeyAttribute(caller.Actor, handle, id, value) { At = clock.GetUtcNow() }, ct);
            return;
        }
        var restrictions = state.FindUser(caller.Actor.Name)?.Restrictions ?? UserRestrictions.None;
        var changed = AttributePolicy.Change(sessionKey.Attributes, id, value, caller.Actor, sessionKey.Owner == caller.Actor.Name, restrictions);
        if (!changed.IsTrue(AttributeId.Token))
        {
            sessionKeys.Replace(caller, sessionKey with { Attributes = changed });
            return;
        }
        await log.SubmitAsync(new CreateKeys(caller.Actor, [new NewKey(handle, changed, sessionKey.SealedMaterial)]) { At = sessionKey.CreatedAt }, ct);
        sessionKeys.Remove(caller, handle);
    }

    public async ValueTask DeleteAsync(LoginContext caller, ulong handle, CancellationToken ct = default)
    {
        if (sessionKeys.Find(caller, handle) is not { } sessionKey)
        {
            await log.SubmitAsync(new DeleteKey(caller.Actor, handle) { At = clock.GetUtcNow() }, ct);
            LoadedKeys.Forget(handle);
            return;
        }
        RequireUser(caller);
        if (sessionKey.Attributes.Bool(AttributeId.Destroyable) == false)
        {
            throw new HsmException(HsmError.RET_ATTRIBUTE_READ_ONLY, "The key is not destroyable (DESTROYABLE = 0).");
        }
        sessionKeys.Remove(caller, handle);
        LoadedKeys.Forget(handle);
    }

    public async ValueTask SubmitAsync(PartitionCommand command, CancellationToken ct = default) => await log.SubmitAsync(command, ct);

    /// <summary>
    /// Submits a command that creates keys under <paramref name="count"/> free random handles, drawing
    /// again if another command took one first. Returns the handles used.
    /// </summary>
    public async ValueTask<ulong[]> SubmitWithFreshHandlesAsync(int count, Func<ulong[], PartitionCommand> command, CancellationToken ct = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            var handles = Enumerable.Range(0, count).Select(_ => FreeHandle()).ToArray();
            try
            {
                var result = await log.SubmitAsync(command(handles), ct);
                return result.Replayed ? result.Handles : handles;
            }
            catch (HsmException e) when (e.Error == HsmError.RET_KEY_HANDLE_TAKEN && attempt < HandleAttempts)
            {
                // another command took the handle first; draw again
            }
        }
    }

    /// <summary>
    /// Refuses new keys beyond the partition's limit, counting this node's session keys too (the
    /// state machine, which cannot see them, counts token keys only).
    /// </summary>
    public void RequireCapacity(PartitionRecord partition, int newKeys)
    {
        if (state.KeyCount + sessionKeys.Count + newKeys > partition.Policy.MaxKeys)
        {
            throw new HsmException(HsmError.RET_OBJECT_LIMIT_REACHED,
                $"The partition holds its limit of {partition.Policy.MaxKeys} key handles (token and session keys); delete unused keys or raise the limit.");
        }
    }

    private ulong[] CreateSessionKeys(LoginContext caller, PartitionRecord partition, (AttributeSet Attributes, byte[] Sealed)[] sealedKeys, KeyHistory? history)
    {
        RequireCapacity(partition, sealedKeys.Length);
        var handles = sealedKeys.Select(_ => FreeHandle()).ToArray();
        var now = clock.GetUtcNow();
        for (var i = 0; i < sealedKeys.Length; i++)
        {
            var key = new KeyRecord
            {
                Handle = handles[i],
                Owner = caller.Actor.Name,
                Attributes = sealedKeys[i].Attributes,
                SealedMaterial = sealedKeys[i].Sealed,
                CreatedAt = history?.CreatedAt ?? now,
                LastUsedAt = history?.LastUsedAt,
                RetiredAt = history?.RetiredAt,
                Partner = sealedKeys.Length == 2 ? handles[1 - i] : null,
            };
            if (!sessionKeys.TryAdd(caller, key))
            {
                foreach (var made in handles.Take(i)) sessionKeys.Remove(caller, made);
                throw new HsmException(HsmError.RET_KEY_HANDLE_TAKEN, "The key handle is taken; try again.");
            }
        }
        return handles;
    }

    /// <summary>A random handle in 1..2^31-1 (fits every CK_ULONG, stays the same for the key's life).</summary>
    private ulong FreeHandle()
    {
        while (true)
        {
            var handle = (ulong)RandomNumberGenerator.GetInt32(1, int.MaxValue);
            if (state.FindKey(handle) is null && !sessionKeys.Contains(handle)) return handle;
        }
    }
}
