using System.Security.Cryptography;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Mechanisms;
using CloudHsm.Core.Partition;
using CloudHsm.Core.Sessions;

namespace CloudHsm.Core.Keys;

/// <summary>
/// Operations with keys: sign, verify, encrypt, decrypt; and the keyless ones, digest and random.
/// Each key operation checks that the caller may use the key (owner or shared CU), that the key
/// allows the operation (its usage flag), and that the mechanism is approved unless the partition
/// has the non-FIPS switch on. Those checks run on the current record on every call; the key itself
/// is unsealed and imported on first use and kept loaded (<see cref="LoadedKeyCache"/>) for the
/// mechanisms that can use a loaded key (RSA PKCS#1 v1.5 and PSS over data, ECDSA, HMAC, AES-GCM);
/// the others unseal the material for the call and wipe it after.
/// </summary>
public sealed class CryptoService(KeyObjects objects)
{
    public const int MaxDataBytes = 512 * 1024;
    public const int MaxRandomBytes = 64 * 1024;

    private Func<KeyRecord, LoadedKey?>? _load;

    public byte[] Sign(LoginContext caller, ulong handle, MechanismId mechanism, ReadOnlySpan<byte> data)
    {
        var sign = MechanismRegistry.TryGetSignature(mechanism, out var s) ? s : throw Unavailable(mechanism);
        var key = objects.Usable(caller, handle, AttributeId.Sign, ObjectClass.PrivateKey, ObjectClass.SecretKey);
        objects.RequireApproved(sign.ApprovedFor(data), mechanism);
        RequireDataLength(data.Length);
        var signature = TrySignLoaded(caller, sign, key, data);
        if (signature is null)
        {
            var input = data.ToArray();
            signature = objects.WithMaterial(key, material => sign.Sign(material, input));
        }
        objects.NoteUse(key);
        return signature;
    }

    public bool Verify(LoginContext caller, ulong handle, MechanismId mechanism, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        var verify = MechanismRegistry.TryGetSignature(mechanism, out var v) ? v : throw Unavailable(mechanism);
        var key = objects.Usable(caller, handle, AttributeId.Verify, ObjectClass.PublicKey, ObjectClass.SecretKey);
        objects.RequireApproved(verify.VerifyApproved, mechanism);
        RequireDataLength(data.Length);
        var signatureCopy = signature.ToArray();
        var dataCopy = data.ToArray();
        var valid = objects.WithMaterial(key, material => verify.Verify(material, dataCopy, signatureCopy));
        objects.NoteUse(key);
        return valid;
    }

    public CipherResult Encrypt(LoginContext caller, ulong handle, MechanismId mechanism, CipherParameters parameters, ReadOnlySpan<byte> plaintext)
    {
        var cipher = MechanismRegistry.TryGetCipher(mechanism, out var c) ? c : throw Unavailable(mechanism);
        var key = objects.Usable(caller, handle, AttributeId.Encrypt, ObjectClass.PublicKey, ObjectClass.SecretKey);
        objects.RequireApproved(cipher.Approved, mechanism);
        RequireDataLength(plaintext.Length);
        if (TryEncryptLoaded(caller, cipher, key, plaintext, parameters) is { } loadedResult)
        {
            objects.NoteUse(key);
            return loadedResult;
        }
        var input = plaintext.ToArray();
        try
        {
            var result = objects.WithMaterial(key, material => cipher.Encrypt(material, input, parameters));
            objects.NoteUse(key);
            return result;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(input);
        }
    }

    public byte[] Decrypt(LoginContext caller, ulong handle, MechanismId mechanism, CipherParameters parameters, ReadOnlySpan<byte> ciphertext)
    {
        var cipher = MechanismRegistry.TryGetCipher(mechanism, out var c) ? c : throw Unavailable(mechanism);
        var key = objects.Usable(caller, handle, AttributeId.Decrypt, ObjectClass.PrivateKey, ObjectClass.SecretKey);
        objects.RequireApproved(cipher.Approved, mechanism);
        RequireDataLength(ciphertext.Length);
        byte[]? plaintext;
        if (!TryDecryptLoaded(caller, cipher, key, ciphertext, parameters, out plaintext))
        {
            var input = ciphertext.ToArray();
            plaintext = objects.WithMaterial(key, material => cipher.TryDecrypt(material, input, parameters, out var output) ? output : null);
        }
        objects.NoteUse(key);
        return plaintext ?? throw new HsmException(HsmError.RET_ENCRYPTED_DATA_INVALID,
            "The ciphertext does not decrypt under this key (altered, truncated, or made with other parameters).");
    }

    /// <summary>A digest (SHA-1 behind the non-FIPS switch, SHA-2); any logged-in user.</summary>
    public byte[] Digest(LoginContext caller, MechanismId mechanism, ReadOnlySpan<byte> data)
    {
        _ = caller;
        var digest = MechanismRegistry.TryGetDigest(mechanism, out var d) ? d : throw Unavailable(mechanism);
        objects.State.RequirePartition();
        objects.RequireApproved(digest.Approved, mechanism);
        RequireDataLength(data.Length);
        return digest.Digest(data);
    }

    /// <summary>Random bytes from the node's CSPRNG; any logged-in user, at most <see cref="MaxRandomBytes"/> per call.</summary>
    public byte[] Random(LoginContext caller, int length)
    {
        _ = caller;
        objects.State.RequirePartition();
        if (length is < 1 or > MaxRandomBytes)
        {
            throw new HsmException(HsmError.RET_DATA_LEN_RANGE, $"Ask for 1 to {MaxRandomBytes} random bytes per call.");
        }
        return RandomNumberGenerator.GetBytes(length);
    }

    private delegate TResult LoadedOperation<TState, TResult>(TState state, LoadedKey key, ReadOnlySpan<byte> input);

    /// <summary>
    /// Runs <paramref name="operation"/> with the key's loaded form; false when the key has none or the
    /// mechanism does not accept it (then the caller uses the material, which gives the same refusals).
    /// </summary>
    private bool TryWithLoaded<TState, TResult>(LoginContext caller, KeyRecord key, TState state, Func<TState, LoadedKey, bool> accepts,
        ReadOnlySpan<byte> input, LoadedOperation<TState, TResult> operation, out TResult result)
    {
        result = default!;
        if (!objects.LoadedKeys.TryRent(key, _load ??= Load, out var lease, key.IsToken ? null : caller)) return false;
        using (lease)
        {
            if (!accepts(state, lease.Key)) return false;
            try
            {
                result = operation(state, lease.Key, input);
                return true;
            }
            catch (MechanismException e)
            {
                throw KeyObjects.ToHsmException(e);
            }
        }
    }

    /// <summary>Signs with the key's loaded form; null when the mechanism or the key has none (use the material).</summary>
    private byte[]? TrySignLoaded(LoginContext caller, ISignatureMechanism mechanism, KeyRecord key, ReadOnlySpan<byte> data) =>
        mechanism is ILoadedKeySignature loaded
        && TryWithLoaded(caller, key, loaded, static (m, k) => m.Accepts(k), data, static (m, k, input) => m.Sign(k, input), out var signature)
            ? signature
            : null;

    private CipherResult? TryEncryptLoaded(LoginContext caller, ICipherMechanism mechanism, KeyRecord key, ReadOnlySpan<byte> plaintext, CipherParameters parameters) =>
        mechanism is ILoadedKeyCipher loaded
        && TryWithLoaded(caller, key, (loaded, parameters), static (s, k) => s.loaded.Accepts(k), plaintext,
            static (s, k, input) => s.loaded.Encrypt(k, input, s.parameters), out var result)
            ? result
            : null;

    /// <summary>False when the mechanism or the key has no loaded form; otherwise the plaintext, or null when it does not decrypt.</summary>
    private bool TryDecryptLoaded(LoginContext caller, ICipherMechanism mechanism, KeyRecord key, ReadOnlySpan<byte> ciphertext, CipherParameters parameters, out byte[]? plaintext)
    {
        plaintext = null;
        return mechanism is ILoadedKeyCipher loaded
            && TryWithLoaded(caller, key, (loaded, parameters), static (s, k) => s.loaded.Accepts(k), ciphertext,
                static (s, k, input) => s.loaded.TryDecrypt(k, input, s.parameters, out var output) ? output : null, out plaintext);
    }

    /// <summary>Unseals and imports a key for <see cref="LoadedKeyCache"/>; the clear material is wiped after.</summary>
    private LoadedKey? Load(KeyRecord key) => objects.WithMaterial(key, material => LoadedKeyCache.Load(key, material));

    private static HsmException Unavailable(MechanismId id) =>
        new(HsmError.RET_MECHANISM_INVALID, $"Mechanism 0x{(ulong)id:X} is not available for this operation.");

    private static void RequireDataLength(int length)
    {
        if (length > MaxDataBytes) throw new HsmException(HsmError.RET_DATA_LEN_RANGE, $"At most {MaxDataBytes} bytes per call.");
    }
}
