using System.Security.Cryptography;
using CloudHsm.Core.Commands;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Partition;
using CloudHsm.Core.Sealing;
using CloudHsm.Core.Sessions;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Keys;

/// <summary>
/// Key operations as a caller sees them: generation (material made and sealed here, before the
/// command), find, attributes, delete, share. Every rule is checked by <see cref="AttributePolicy"/>
/// and the state machine; reads check visibility here.
/// </summary>
public sealed class KeyService(IPartitionView state, ICommandLog log, DomainKeys keys, TimeProvider clock)
{
    private const int HandleAttempts = 8;

    public async ValueTask<ulong> GenerateSymmetricAsync(LoginContext caller, KeyType type, int lengthBytes, AttributeSet template, CancellationToken ct = default)
    {
        RequireUser(caller);
        var attributes = AttributePolicy.ForNewKey(ObjectClass.SecretKey, type, template, AttributePolicy.Origin.Generated);
        var generated = KeyGeneration.Symmetric(type, lengthBytes);
        var handles = await CreateAsync(caller, [(Merge(attributes, generated.Computed), generated.Material)], ct);
        return handles[0];
    }

    /// <summary>Generates a pair; <paramref name="parameter"/> is the RSA modulus bits or the EC curve OID (ignored for Ed25519).</summary>
    public async ValueTask<(ulong Private, ulong Public)> GenerateKeyPairAsync(LoginContext caller, KeyType type, string parameter,
        AttributeSet privateTemplate, AttributeSet publicTemplate, CancellationToken ct = default)
    {
        RequireUser(caller);
        var privateAttributes = AttributePolicy.ForNewKey(ObjectClass.PrivateKey, type, privateTemplate, AttributePolicy.Origin.Generated);
        var publicAttributes = AttributePolicy.ForNewKey(ObjectClass.PublicKey, type, publicTemplate, AttributePolicy.Origin.Generated);
        var (privateKey, publicKey) = type switch
        {
            KeyType.Rsa when int.TryParse(parameter, out var bits) => KeyGeneration.Rsa(bits),
            KeyType.Ec => KeyGeneration.Ec(parameter),
            KeyType.EcEdwards => KeyGeneration.Ed25519Pair(),
            _ => throw new HsmException(HsmError.RET_INVALID_INPUT, $"Cannot make a {type} key pair with '{parameter}'."),
        };
        var handles = await CreateAsync(caller, [
            (Merge(privateAttributes, privateKey.Computed), privateKey.Material),
            (Merge(publicAttributes, publicKey.Computed), publicKey.Material)], ct);
        return (handles[0], handles[1]);
    }

    /// <summary>The keys a caller may see: a CU its own and shared ones, a CO all (to manage TRUSTED).</summary>
    public IReadOnlyList<KeyRecord> Find(LoginContext caller, KeyQuery query)
    {
        Permissions.Require(caller.Actor, state.RequirePartition(), Operation.ManageKeyTrust);
        var scoped = caller.Actor.Type == UserType.CU ? query with { VisibleTo = caller.Actor.Name } : query;
        return state.FindKeys(scoped with { Limit = Math.Clamp(query.Limit, 1, 10_000) });
    }

    public KeyRecord Get(LoginContext caller, ulong handle)
    {
        Permissions.Require(caller.Actor, state.RequirePartition(), Operation.ManageKeyTrust);
        return state.RequireReachableKey(caller.Actor, handle);
    }

    /// <summary>getAttribute: a public value, or the secret value of a non-sensitive extractable key (owner only).</summary>
    public byte[] GetAttribute(LoginContext caller, ulong handle, AttributeId id)
    {
        var key = Get(caller, handle);
        if (id != AttributeId.Value || key.Class == ObjectClass.PublicKey) return AttributePolicy.Read(key.Attributes, id);
        AttributePolicy.Read(key.Attributes.With(AttributeId.Value, []), id); // throws for a sensitive or non-extractable key
        if (key.Owner != caller.Actor.Name)
        {
            throw new HsmException(HsmError.RET_OPERATION_NOT_PERMITTED, "Only the key's owner may read its value.");
        }
        if (state.FindUser(caller.Actor.Name) is { } user && user.Restrictions.HasFlag(UserRestrictions.NoExport))
        {
            throw new HsmException(HsmError.RET_OPERATION_NOT_PERMITTED, "A CO has forbidden this user to export keys (setUserAttributes).");
        }
        return keys.Secrets.Unseal(key.SealedMaterial, SealPurpose.KeyMaterial);
    }

    /// <summary>exportPubKey: the public key object as a PEM SubjectPublicKeyInfo.</summary>
    public string ExportPublicKey(LoginContext caller, ulong handle)
    {
        var key = Get(caller, handle);
        if (key.Class != ObjectClass.PublicKey)
        {
            throw new HsmException(HsmError.RET_KEY_TYPE_INCONSISTENT, "Only a public key object is exported this way; private keys leave only wrapped.");
        }
        var material = keys.Secrets.Unseal(key.SealedMaterial, SealPurpose.KeyMaterial);
        // Ed25519 public keys are stored raw: give them their SubjectPublicKeyInfo (RFC 8410).
        var spki = key.KeyType == KeyType.EcEdwards ? [0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00, .. material] : material;
        return PemEncoding.WriteString("PUBLIC KEY", spki);
    }

    public ValueTask SetAttributeAsync(LoginContext caller, ulong handle, AttributeId id, byte[] value, CancellationToken ct = default) =>
        log.SubmitAsync(new SetKeyAttribute(caller.Actor, handle, id, value) { At = clock.GetUtcNow() }, ct);

    public ValueTask DeleteAsync(LoginContext caller, ulong handle, CancellationToken ct = default) =>
        log.SubmitAsync(new DeleteKey(caller.Actor, handle) { At = clock.GetUtcNow() }, ct);

    public ValueTask ShareAsync(LoginContext caller, ulong handle, string user, bool share, CancellationToken ct = default) =>
        log.SubmitAsync(new ShareKey(caller.Actor, handle, UserNames.Validate(user), share) { At = clock.GetUtcNow() }, ct);

    private async ValueTask<ulong[]> CreateAsync(LoginContext caller, (AttributeSet Attributes, byte[] Material)[] newKeys, CancellationToken ct)
    {
        try
        {
            var sealedKeys = newKeys.Select(k => (k.Attributes, Sealed: keys.Secrets.Seal(k.Material, SealPurpose.KeyMaterial))).ToArray();
            for (var attempt = 1; ; attempt++)
            {
                var handles = sealedKeys.Select(_ => FreeHandle()).ToArray();
                var command = new CreateKeys(caller.Actor, sealedKeys.Select((k, i) => new NewKey(handles[i], k.Attributes, k.Sealed)).ToArray())
                {
                    At = clock.GetUtcNow(),
                };
                try
                {
                    await log.SubmitAsync(command, ct);
                    return handles;
                }
                catch (HsmException e) when (e.Error == HsmError.RET_KEY_HANDLE_TAKEN && attempt < HandleAttempts)
                {
                    // another command took the handle first; draw again
                }
            }
        }
        finally
        {
            foreach (var (_, material) in newKeys) CryptographicOperations.ZeroMemory(material);
        }
    }

    /// <summary>A random handle in 1..2^31-1 (fits every CK_ULONG, stays the same for the key's life).</summary>
    private ulong FreeHandle()
    {
        while (true)
        {
            var handle = (ulong)RandomNumberGenerator.GetInt32(1, int.MaxValue);
            if (state.FindKey(handle) is null) return handle;
        }
    }

    private static AttributeSet Merge(AttributeSet attributes, AttributeSet computed) =>
        computed.Values.Aggregate(attributes, (set, kv) => set.With(kv.Key, kv.Value));

    private void RequireUser(LoginContext caller)
    {
        Permissions.Require(caller.Actor, state.RequirePartition(), Operation.UseKeys);
    }
}
