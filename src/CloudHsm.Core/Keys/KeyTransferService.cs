using System.Security.Cryptography;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Mechanisms;
using CloudHsm.Core.Sessions;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Keys;

/// <summary>What the new key of an unwrap or import is: its class and type (for secret keys; private keys say theirs in PKCS#8) and its template.</summary>
public sealed record IncomingKey(ObjectClass Class, KeyType Type, AttributeSet Template);

/// <summary>
/// Keys in and out of the partition, only in the ways the policy allows: wrap and unwrap under a
/// wrapping key; private-key export (exportPrivateKey) under the same rules as a wrap; and import
/// of private or secret keys in clear only through a key-encryption key a CO marked TRUSTED (the
/// "user KEK" flow). The rules, in one place for all of them:
/// the caller owns the key that leaves; it is EXTRACTABLE; if it is WRAP_WITH_TRUSTED, the wrapping
/// key is TRUSTED; the wrapping key allows WRAP (UNWRAP to bring a key in); a CU a CO restricted
/// cannot export, wrap or unwrap.
/// </summary>
public sealed class KeyTransferService(KeyObjects objects)
{
    public const int MaxWrappedBytes = 16 * 1024;

    /// <summary>wrapKey: the key's bytes (secret raw, private PKCS#8) encrypted under the wrapping key.</summary>
    public byte[] Wrap(LoginContext caller, ulong handle, ulong wrappingHandle, MechanismId mechanism, WrapParameters parameters)
    {
        RequireWrapMechanism(mechanism);
        var (key, wrappingKey) = Leaving(caller, handle, wrappingHandle, "wrap");
        RequireWrappingClass(wrappingKey, mechanism, wrapping: true);
        var wrapped = objects.WithMaterial(key, material =>
        {
            var keyData = KeyMaterialCodec.ExportForm(key, material);
            try
            {
                return objects.WithMaterial(wrappingKey, w => KeyWrapMechanisms.Wrap(mechanism, w, keyData, parameters));
            }
            finally
            {
                CryptographicOperations.ZeroMemory(keyData);
            }
        });
        objects.NoteUse(wrappingKey);
        return wrapped;
    }

    /// <summary>unWrapKey: a wrapped key becomes a new key the caller owns (LOCAL = 0, never "always sensitive").</summary>
    public async ValueTask<ulong> UnwrapAsync(LoginContext caller, ulong unwrappingHandle, MechanismId mechanism, WrapParameters parameters,
        ReadOnlyMemory<byte> wrapped, IncomingKey incoming, CancellationToken ct = default)
    {
        RequireWrapMechanism(mechanism);
        objects.RequireNotRestricted(caller, UserRestrictions.NoUnwrap, "unwrap keys");
        var unwrappingKey = objects.Usable(caller, unwrappingHandle, AttributeId.Unwrap, ObjectClass.SecretKey, ObjectClass.PrivateKey);
        RequireWrappingClass(unwrappingKey, mechanism, wrapping: false);
        if (wrapped.Length is 0 or > MaxWrappedBytes) throw new HsmException(HsmError.RET_DATA_LEN_RANGE, $"A wrapped key is 1 to {MaxWrappedBytes} bytes.");
        var keyData = objects.WithMaterial(unwrappingKey, u =>
            KeyWrapMechanisms.TryUnwrap(mechanism, u, wrapped.Span, parameters, out var data) ? data : null)
            ?? throw new HsmException(HsmError.RET_WRAPPED_KEY_INVALID, "The wrapped key does not open under this key and mechanism (altered, or wrapped with another key).");
        objects.NoteUse(unwrappingKey);
        return await CreateIncomingAsync(caller, keyData, incoming, ct);
    }

    /// <summary>
    /// exportPrivateKey: the private key as PKCS#8, allowed only where wrapping it under
    /// <paramref name="wrappingHandle"/> would be (owner, EXTRACTABLE, WRAP_WITH_TRUSTED -> TRUSTED, WRAP).
    /// </summary>
    public byte[] ExportPrivate(LoginContext caller, ulong handle, ulong wrappingHandle)
    {
        var (key, _) = Leaving(caller, handle, wrappingHandle, "export");
        if (key.Class != ObjectClass.PrivateKey)
        {
            throw new HsmException(HsmError.RET_KEY_TYPE_INCONSISTENT, "exportPrivateKey exports private keys; wrap secret keys with wrapKey.");
        }
        return objects.WithMaterial(key, material => KeyMaterialCodec.ExportForm(key, material));
    }

    /// <summary>
    /// importPrivateKey / imSymKey: a key in clear (private PKCS#8 or secret raw) comes in only through a
    /// key-encryption key the caller may use, with UNWRAP = 1, that a CO marked TRUSTED.
    /// </summary>
    public async ValueTask<ulong> ImportAsync(LoginContext caller, ulong kekHandle, ReadOnlyMemory<byte> keyData, IncomingKey incoming, CancellationToken ct = default)
    {
        objects.RequireNotRestricted(caller, UserRestrictions.NoUnwrap, "import keys");
        var kek = objects.Usable(caller, kekHandle, AttributeId.Unwrap, ObjectClass.SecretKey, ObjectClass.PrivateKey);
        if (!kek.Attributes.IsTrue(AttributeId.Trusted))
        {
            throw new HsmException(HsmError.RET_WRAPPING_KEY_NOT_TRUSTED,
                "Keys come in in clear only through a key-encryption key a CO marked TRUSTED (attribute 134); otherwise unwrap them.");
        }
        if (keyData.Length is 0 or > MaxWrappedBytes) throw new HsmException(HsmError.RET_DATA_LEN_RANGE, $"A key is 1 to {MaxWrappedBytes} bytes.");
        objects.NoteUse(kek);
        return await CreateIncomingAsync(caller, keyData.ToArray(), incoming, ct);
    }

    /// <summary>The key that leaves and the wrapping key, with every rule of a key leaving checked.</summary>
    private (KeyRecord Key, KeyRecord WrappingKey) Leaving(LoginContext caller, ulong handle, ulong wrappingHandle, string verb)
    {
        objects.RequireNotRestricted(caller, UserRestrictions.NoExport, "export or wrap keys");
        var key = objects.Owned(caller, handle, verb);
        var wrappingKey = objects.Usable(caller, wrappingHandle, AttributeId.Wrap, ObjectClass.SecretKey, ObjectClass.PublicKey);
        if (key.Class is not (ObjectClass.SecretKey or ObjectClass.PrivateKey))
        {
            throw new HsmException(HsmError.RET_KEY_TYPE_INCONSISTENT, "Only secret and private keys are wrapped; public keys are exported as they are.");
        }
        if (key.Handle == wrappingKey.Handle)
        {
            throw new HsmException(HsmError.RET_KEY_FUNCTION_NOT_PERMITTED, "A key does not wrap itself.");
        }
        if (!key.Attributes.IsTrue(AttributeId.Extractable))
        {
            throw new HsmException(HsmError.RET_KEY_UNEXTRACTABLE, "The key is not extractable (EXTRACTABLE = 0): it never leaves the partition.");
        }
        if (key.Attributes.IsTrue(AttributeId.WrapWithTrusted) && !wrappingKey.Attributes.IsTrue(AttributeId.Trusted))
        {
            throw new HsmException(HsmError.RET_WRAPPING_KEY_NOT_TRUSTED,
                "The key is WRAP_WITH_TRUSTED: only a wrapping key a CO marked TRUSTED may wrap it.");
        }
        return (key, wrappingKey);
    }

    private async ValueTask<ulong> CreateIncomingAsync(LoginContext caller, byte[] keyData, IncomingKey incoming, CancellationToken ct)
    {
        try
        {
            var parsed = incoming.Class switch
            {
                ObjectClass.SecretKey => KeyMaterialCodec.ParseSecret(incoming.Type, keyData),
                ObjectClass.PrivateKey => KeyMaterialCodec.ParsePrivate(keyData),
                _ => throw new HsmException(HsmError.RET_KEY_TYPE_INCONSISTENT, "Only secret and private keys are unwrapped or imported."),
            };
            var attributes = AttributePolicy.ForNewKey(parsed.Class, parsed.Type, incoming.Template, AttributePolicy.Origin.Imported);
            var handles = await objects.CreateAsync(caller, [(KeyService.Merge(attributes, parsed.Computed), parsed.Material)], ct: ct);
            return handles[0];
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keyData);
        }
    }

    private static void RequireWrapMechanism(MechanismId mechanism)
    {
        if (!KeyWrapMechanisms.IsWrapMechanism(mechanism))
        {
            throw new HsmException(HsmError.RET_MECHANISM_INVALID,
                $"Mechanism 0x{(ulong)mechanism:X} does not wrap keys (AES key wrap, with padding, AES-GCM, RSA-OAEP, RSA-AES key wrap do).");
        }
    }

    private static void RequireWrappingClass(KeyRecord wrappingKey, MechanismId mechanism, bool wrapping)
    {
        var rsa = KeyWrapMechanisms.UsesRsa(mechanism);
        var fits = rsa ? wrappingKey.KeyType == KeyType.Rsa && wrappingKey.Class == (wrapping ? ObjectClass.PublicKey : ObjectClass.PrivateKey)
                       : wrappingKey.KeyType == KeyType.Aes;
        if (!fits)
        {
            throw new HsmException(HsmError.RET_KEY_TYPE_INCONSISTENT, rsa
                ? $"This mechanism {(wrapping ? "wraps with an RSA public" : "unwraps with an RSA private")} key."
                : "This mechanism wraps and unwraps with an AES key.");
        }
    }
}
