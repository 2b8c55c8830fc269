using System.Security.Cryptography;
using CloudHsm.Core.Commands;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Mechanisms;
using CloudHsm.Core.Partition;
using CloudHsm.Core.Sealing;
using CloudHsm.Core.Sessions;

namespace CloudHsm.Core.Keys;

/// <summary>
/// Operations with keys: sign, verify, encrypt, decrypt. Each checks that the caller may use the key
/// (owner or shared CU), that the key allows the operation (its usage flag), and that the mechanism
/// is approved unless the partition has the non-FIPS switch on. Key material is unsealed only for
/// the call and wiped after.
/// </summary>
public sealed class CryptoService(IPartitionView state, DomainKeys keys)
{
    public const int MaxDataBytes = 512 * 1024;

    public byte[] Sign(LoginContext caller, ulong handle, MechanismId mechanism, ReadOnlySpan<byte> data)
    {
        var sign = MechanismRegistry.TryGetSignature(mechanism, out var s) ? s : throw Unavailable(mechanism);
        var key = Usable(caller, handle, AttributeId.Sign, ObjectClass.PrivateKey, ObjectClass.SecretKey);
        RequireApproved(sign.Approved, mechanism);
        RequireDataLength(data.Length);
        var input = data.ToArray();
        return WithMaterial(key, material => sign.Sign(material, input));
    }

    public bool Verify(LoginContext caller, ulong handle, MechanismId mechanism, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        var verify = MechanismRegistry.TryGetSignature(mechanism, out var v) ? v : throw Unavailable(mechanism);
        var key = Usable(caller, handle, AttributeId.Verify, ObjectClass.PublicKey, ObjectClass.SecretKey);
        RequireApproved(verify.VerifyApproved, mechanism);
        RequireDataLength(data.Length);
        var signatureCopy = signature.ToArray();
        var dataCopy = data.ToArray();
        return WithMaterial(key, material => verify.Verify(material, dataCopy, signatureCopy));
    }

    public CipherResult Encrypt(LoginContext caller, ulong handle, MechanismId mechanism, CipherParameters parameters, ReadOnlySpan<byte> plaintext)
    {
        var cipher = MechanismRegistry.TryGetCipher(mechanism, out var c) ? c : throw Unavailable(mechanism);
        var key = Usable(caller, handle, AttributeId.Encrypt, ObjectClass.PublicKey, ObjectClass.SecretKey);
        RequireApproved(cipher.Approved, mechanism);
        RequireDataLength(plaintext.Length);
        var input = plaintext.ToArray();
        try
        {
            return WithMaterial(key, material => cipher.Encrypt(material, input, parameters));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(input);
        }
    }

    public byte[] Decrypt(LoginContext caller, ulong handle, MechanismId mechanism, CipherParameters parameters, ReadOnlySpan<byte> ciphertext)
    {
        var cipher = MechanismRegistry.TryGetCipher(mechanism, out var c) ? c : throw Unavailable(mechanism);
        var key = Usable(caller, handle, AttributeId.Decrypt, ObjectClass.PrivateKey, ObjectClass.SecretKey);
        RequireApproved(cipher.Approved, mechanism);
        RequireDataLength(ciphertext.Length);
        var input = ciphertext.ToArray();
        var plaintext = WithMaterial(key, material => cipher.TryDecrypt(material, input, parameters, out var output) ? output : null);
        return plaintext ?? throw new HsmException(HsmError.RET_ENCRYPTED_DATA_INVALID,
            "The ciphertext does not decrypt under this key (altered, truncated, or made with other parameters).");
    }

    private static HsmException Unavailable(MechanismId id) =>
        new(HsmError.RET_MECHANISM_INVALID, $"Mechanism 0x{(ulong)id:X} is not available for this operation.");

    private KeyRecord Usable(LoginContext caller, ulong handle, AttributeId usage, params ObjectClass[] classes)
    {
        Permissions.Require(caller.Actor, state.RequirePartition(), Operation.UseKeys);
        var key = state.RequireReachableKey(caller.Actor, handle);
        if (!classes.Contains(key.Class))
        {
            throw new HsmException(HsmError.RET_KEY_TYPE_INCONSISTENT, $"A {key.Class} cannot be used for this operation.");
        }
        if (!key.Attributes.IsTrue(usage))
        {
            throw new HsmException(HsmError.RET_KEY_FUNCTION_NOT_PERMITTED, $"The key does not allow {usage.ToString().ToUpperInvariant()} (its usage flag is 0).");
        }
        return key;
    }

    private void RequireApproved(bool approved, MechanismId id)
    {
        if (!approved && state.Partition?.Policy.AllowNonApprovedMechanisms != true)
        {
            throw new HsmException(HsmError.RET_MECHANISM_INVALID,
                $"Mechanism 0x{(ulong)id:X} is not FIPS-approved for this use; start the partition with the non-FIPS switch to allow it.");
        }
    }

    private static void RequireDataLength(int length)
    {
        if (length > MaxDataBytes) throw new HsmException(HsmError.RET_DATA_LEN_RANGE, $"At most {MaxDataBytes} bytes per call.");
    }

    private T WithMaterial<T>(KeyRecord key, Func<byte[], T> use)
    {
        var material = keys.Secrets.Unseal(key.SealedMaterial, SealPurpose.KeyMaterial);
        try
        {
            return use(material);
        }
        catch (MechanismException e)
        {
            throw new HsmException(e.Reason switch
            {
                MechanismError.MechanismParamInvalid => HsmError.RET_MECHANISM_PARAM_INVALID,
                MechanismError.KeyTypeInconsistent => HsmError.RET_KEY_TYPE_INCONSISTENT,
                MechanismError.KeySizeRange => HsmError.RET_KEY_SIZE_RANGE,
                MechanismError.CurveNotSupported => HsmError.RET_CURVE_NOT_SUPPORTED,
                MechanismError.DataLenRange => HsmError.RET_DATA_LEN_RANGE,
                _ => HsmError.RET_MECHANISM_INVALID,
            }, e.Message);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
        }
    }
}
