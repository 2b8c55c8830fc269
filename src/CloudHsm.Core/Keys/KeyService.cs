using System.Security.Cryptography;
using CloudHsm.Core.Commands;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Partition;
using CloudHsm.Core.Sessions;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Keys;

/// <summary>
/// Key operations as a caller sees them: generation (material made and sealed here, before the
/// command), find, attributes, delete, share, public-key import and export, rotation. Every rule is
/// checked by <see cref="AttributePolicy"/>, <see cref="KeyObjects"/> and the state machine.
/// </summary>
public sealed class KeyService(KeyObjects objects)
{
    public async ValueTask<ulong> GenerateSymmetricAsync(LoginContext caller, KeyType type, int lengthBytes, AttributeSet template, CancellationToken ct = default)
    {
        objects.RequireUser(caller);
        var attributes = AttributePolicy.ForNewKey(ObjectClass.SecretKey, type, template, AttributePolicy.Origin.Generated);
        var generated = KeyGeneration.Symmetric(type, lengthBytes);
        var handles = await objects.CreateAsync(caller, [(Merge(attributes, generated.Computed), generated.Material)], ct: ct);
        return handles[0];
    }

    /// <summary>Generates a pair; <paramref name="parameter"/> is the RSA modulus bits or the EC curve OID (ignored for Ed25519).</summary>
    public async ValueTask<(ulong Private, ulong Public)> GenerateKeyPairAsync(LoginContext caller, KeyType type, string parameter,
        AttributeSet privateTemplate, AttributeSet publicTemplate, CancellationToken ct = default)
    {
        objects.RequireUser(caller);
        var privateAttributes = AttributePolicy.ForNewKey(ObjectClass.PrivateKey, type, privateTemplate, AttributePolicy.Origin.Generated);
        var publicAttributes = AttributePolicy.ForNewKey(ObjectClass.PublicKey, type, publicTemplate, AttributePolicy.Origin.Generated);
        var (privateKey, publicKey) = GeneratePair(type, parameter);
        var handles = await objects.CreateAsync(caller, [
            (Merge(privateAttributes, privateKey.Computed), privateKey.Material),
            (Merge(publicAttributes, publicKey.Computed), publicKey.Material)], ct: ct);
        return (handles[0], handles[1]);
    }

    /// <summary>The keys a caller may see: a CU its own, shared and session ones, a CO all token keys (to manage TRUSTED).</summary>
    public IReadOnlyList<KeyRecord> Find(LoginContext caller, KeyQuery query) => objects.Find(caller, query);

    public KeyRecord Get(LoginContext caller, ulong handle)
    {
        Permissions.Require(caller.Actor, objects.State.RequirePartition(), Operation.ManageKeyTrust);
        return objects.Reachable(caller, handle);
    }

    /// <summary>
    /// getAttribute: a public value, the secret value of a non-sensitive extractable key (owner
    /// only), or the value of a certificate or data object (a private one: owner only).
    /// </summary>
    public byte[] GetAttribute(LoginContext caller, ulong handle, AttributeId id)
    {
        var key = Get(caller, handle);
        if (id == AttributeId.Value && key.Class is ObjectClass.Certificate or ObjectClass.Data)
        {
            // A certificate's or data object's value is its material, and no secret; a private one is the owner's to read.
            if (key.Attributes.IsTrue(AttributeId.Private) && key.Owner != caller.Actor.Name)
            {
                throw new HsmException(HsmError.RET_OPERATION_NOT_PERMITTED, "Only the owner reads the value of a private object.");
            }
            return objects.WithMaterial(key, m => m.ToArray());
        }
        if (id != AttributeId.Value || key.Class == ObjectClass.PublicKey)
        {
            return id == AttributeId.Value ? objects.WithMaterial(key, m => KeyMaterialCodec.SubjectPublicKeyInfo(key, m)) : AttributePolicy.Read(key.Attributes, id);
        }
        AttributePolicy.Read(key.Attributes.With(AttributeId.Value, []), id); // throws for a sensitive or non-extractable key
        if (key.Owner != caller.Actor.Name)
        {
            throw new HsmException(HsmError.RET_OPERATION_NOT_PERMITTED, "Only the key's owner may read its value.");
        }
        objects.RequireNotRestricted(caller, UserRestrictions.NoExport, "export keys");
        return objects.WithMaterial(key, m => m.ToArray());
    }

    /// <summary>exportPubKey: a public key object as a PEM SubjectPublicKeyInfo.</summary>
    public string ExportPublicKey(LoginContext caller, ulong handle)
    {
        var key = Get(caller, handle);
        if (key.Class != ObjectClass.PublicKey)
        {
            throw new HsmException(HsmError.RET_KEY_TYPE_INCONSISTENT, "Only a public key object is exported this way; private keys leave only wrapped.");
        }
        return PemEncoding.WriteString("PUBLIC KEY", objects.WithMaterial(key, m => KeyMaterialCodec.SubjectPublicKeyInfo(key, m)));
    }

    /// <summary>importPubKey: a public key (PEM or DER SubjectPublicKeyInfo) becomes a public key object the caller owns.</summary>
    public async ValueTask<ulong> ImportPublicKeyAsync(LoginContext caller, ReadOnlyMemory<byte> publicKey, AttributeSet template, CancellationToken ct = default)
    {
        objects.RequireUser(caller);
        var parsed = KeyMaterialCodec.ParsePublic(publicKey.Span);
        var attributes = AttributePolicy.ForNewKey(ObjectClass.PublicKey, parsed.Type, template, AttributePolicy.Origin.Imported);
        var handles = await objects.CreateAsync(caller, [(Merge(attributes, parsed.Computed), parsed.Material)], ct: ct);
        return handles[0];
    }

    public ValueTask SetAttributeAsync(LoginContext caller, ulong handle, AttributeId id, byte[] value, CancellationToken ct = default) =>
        objects.SetAttributeAsync(caller, handle, id, value, ct);

    public ValueTask DeleteAsync(LoginContext caller, ulong handle, CancellationToken ct = default) =>
        objects.DeleteAsync(caller, handle, ct);

    public ValueTask ShareAsync(LoginContext caller, ulong handle, string user, bool share, CancellationToken ct = default)
    {
        if (objects.SessionKeys.Find(caller, handle) is not null)
        {
            throw new HsmException(HsmError.RET_OPERATION_NOT_PERMITTED, "A session key belongs to its session and is never shared; make it a token key first.");
        }
        return objects.SubmitAsync(new ShareKey(caller.Actor, handle, UserNames.Validate(user), share) { At = objects.Clock.GetUtcNow() }, ct);
    }

    /// <summary>
    /// key rotate: a successor with the same label, ID, type, size and policy (usage flags,
    /// SENSITIVE, EXTRACTABLE, WRAP_WITH_TRUSTED...; TRUSTED must be given again by a CO), made in
    /// the same command that retires the predecessor. For a pair, both halves. Returns the new
    /// handle of the key given (and of its partner, if any).
    /// </summary>
    public async ValueTask<(ulong Successor, ulong? Partner)> RotateAsync(LoginContext caller, ulong handle, CancellationToken ct = default)
    {
        var key = objects.Owned(caller, handle, "rotate");
        if (key.Class is ObjectClass.Certificate or ObjectClass.Data) throw new HsmException(HsmError.RET_KEY_TYPE_INCONSISTENT, $"A {key.Class} object is not a key: it is not rotated.");
        if (!key.IsToken) throw new HsmException(HsmError.RET_OPERATION_NOT_PERMITTED, "Session keys are not rotated; make a new one.");
        if (key.RetiredAt is not null) throw new HsmException(HsmError.RET_KEY_RETIRED, "The key was already rotated or retired.");
        var partner = key.Partner is { } p && objects.State.FindKey(p) is { RetiredAt: null } other && other.Owner == key.Owner ? other : null;
        var halves = new[] { key, partner }.OfType<KeyRecord>().OrderBy(k => k.Class == ObjectClass.PrivateKey ? 0 : 1).ToArray();
        objects.RequireCapacity(objects.State.RequirePartition(), halves.Length);
        var material = NewMaterialLike(halves);
        var successors = new List<NewKey>();
        try
        {
            for (var i = 0; i < halves.Length; i++)
            {
                var template = SuccessorTemplate(halves[i].Attributes);
                var attributes = Merge(AttributePolicy.ForNewKey(halves[i].Class, halves[i].KeyType, template, AttributePolicy.Origin.Generated), material[i].Computed);
                successors.Add(new NewKey(0, attributes, objects.Seal(material[i].Material)));
            }
        }
        finally
        {
            foreach (var m in material) CryptographicOperations.ZeroMemory(m.Material);
        }
        var handles = await objects.SubmitWithFreshHandlesAsync(successors.Count, fresh =>
            new RotateKey(caller.Actor, halves[0].Handle, [.. successors.Select((s, i) => s with { Handle = fresh[i] })]) { At = objects.Clock.GetUtcNow() }, ct);
        var mine = handles[Array.FindIndex(halves, h => h.Handle == handle)];
        return (mine, handles.Length == 2 ? handles.Single(h => h != mine) : null);
    }

    /// <summary>key retire: the key (and its partner) may from now on only decrypt, verify and unwrap.</summary>
    public ValueTask RetireAsync(LoginContext caller, ulong handle, CancellationToken ct = default)
    {
        var key = objects.Owned(caller, handle, "retire");
        if (!key.IsToken) throw new HsmException(HsmError.RET_OPERATION_NOT_PERMITTED, "Session keys are not retired; delete them.");
        return objects.SubmitAsync(new RetireKey(caller.Actor, handle) { At = objects.Clock.GetUtcNow() }, ct);
    }

    private static (GeneratedKey Private, GeneratedKey Public) GeneratePair(KeyType type, string parameter) => type switch
    {
        KeyType.Rsa when int.TryParse(parameter, out var bits) => KeyGeneration.Rsa(bits),
        KeyType.Ec => KeyGeneration.Ec(parameter),
        KeyType.EcEdwards => KeyGeneration.Ed25519Pair(),
        _ => throw new HsmException(HsmError.RET_INVALID_INPUT, $"Cannot make a {type} key pair with '{parameter}'."),
    };

    /// <summary>Fresh material of the same type and size as the key (pair halves in the order given).</summary>
    private static GeneratedKey[] NewMaterialLike(KeyRecord[] halves)
    {
        var key = halves[0];
        if (key.Class == ObjectClass.SecretKey)
        {
            return [KeyGeneration.Symmetric(key.KeyType, (int)(key.Attributes.Number(AttributeId.ValueLen) ?? 0))];
        }
        var pair = key.KeyType switch
        {
            KeyType.Rsa => KeyGeneration.Rsa((int)(key.Attributes.Number(AttributeId.ModulusBits) ?? 0)),
            KeyType.Ec => KeyGeneration.Ec(CurveOf(key.Attributes)),
            KeyType.EcEdwards => KeyGeneration.Ed25519Pair(),
            _ => throw new HsmException(HsmError.RET_KEY_TYPE_INCONSISTENT, $"A {key.KeyType} key is not rotated."),
        };
        if (halves.Length == 2) return [pair.Private, pair.Public];
        CryptographicOperations.ZeroMemory(key.Class == ObjectClass.PrivateKey ? pair.Public.Material : pair.Private.Material);
        return [key.Class == ObjectClass.PrivateKey ? pair.Private : pair.Public];
    }

    private static string CurveOf(AttributeSet attributes)
    {
        var reader = new System.Formats.Asn1.AsnReader(attributes.Raw(AttributeId.EcParams) ?? [], System.Formats.Asn1.AsnEncodingRules.DER);
        return reader.ReadObjectIdentifier();
    }

    /// <summary>The attributes a successor takes over: everything a template may say, but TRUSTED.</summary>
    private static AttributeSet SuccessorTemplate(AttributeSet predecessor)
    {
        var template = AttributeSet.Empty;
        foreach (var (id, value) in predecessor.Values)
        {
            var rule = AttributeTable.Of(id);
            if (rule is null || rule.Value.HasFlag(AttributeRule.NodeComputed) || id is AttributeId.Trusted or AttributeId.Class or AttributeId.KeyType) continue;
            template = template.With(id, value);
        }
        return template;
    }

    internal static AttributeSet Merge(AttributeSet attributes, AttributeSet computed) =>
        computed.Values.Aggregate(attributes, (set, kv) => set.With(kv.Key, kv.Value));
}
