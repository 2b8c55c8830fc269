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
/// has the non-FIPS switch on. Key material is unsealed only for the call and wiped after.
/// </summary>
public sealed class CryptoService(KeyObjects objects)
{
    public const int MaxDataBytes = 512 * 1024;
    public const int MaxRandomBytes = 64 * 1024;

    public byte[] Sign(LoginContext caller, ulong handle, MechanismId mechanism, ReadOnlySpan<byte> data)
    {
        var sign = MechanismRegistry.TryGetSignature(mechanism, out var s) ? s : throw Unavailable(mechanism);
        var key = objects.Usable(caller, handle, AttributeId.Sign, ObjectClass.PrivateKey, ObjectClass.SecretKey);
        objects.RequireApproved(sign.Approved, mechanism);
        RequireDataLength(data.Length);
        var input = data.ToArray();
        var signature = objects.WithMaterial(key, material => sign.Sign(material, input));
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
        var input = ciphertext.ToArray();
        var plaintext = objects.WithMaterial(key, material => cipher.TryDecrypt(material, input, parameters, out var output) ? output : null);
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

    private static HsmException Unavailable(MechanismId id) =>
        new(HsmError.RET_MECHANISM_INVALID, $"Mechanism 0x{(ulong)id:X} is not available for this operation.");

    private static void RequireDataLength(int length)
    {
        if (length > MaxDataBytes) throw new HsmException(HsmError.RET_DATA_LEN_RANGE, $"At most {MaxDataBytes} bytes per call.");
    }
}
