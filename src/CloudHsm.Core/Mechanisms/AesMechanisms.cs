using System.Buffers.Binary;
using System.Security.Cryptography;

namespace CloudHsm.Core.Mechanisms;

/// <summary>
/// AES ciphers under a raw 16, 24 or 32-byte key: GCM (CKM_AES_GCM), CBC with PKCS#7 padding
/// (CKM_AES_CBC_PAD), CTR (CKM_AES_CTR), and key wrap RFC 3394 / RFC 5649 (CKM_AES_KEY_WRAP[_PAD])
/// over <see cref="AesKeyWrap"/>.
/// </summary>
public static class AesMechanisms
{
    public const int BlockLength = 16;
    public const int GcmNonceLength = 12;
    public const int GcmMinTagLength = 12;
    public const int GcmMaxTagLength = 16;

    public static readonly ICipherMechanism Gcm = new GcmMechanism();
    public static readonly ICipherMechanism CbcPad = new CbcPadMechanism();
    public static readonly ICipherMechanism Ctr = new CtrMechanism();
    public static readonly ICipherMechanism KeyWrap = new KeyWrapMechanism(MechanismId.AesKeyWrap);
    public static readonly ICipherMechanism KeyWrapPad = new KeyWrapMechanism(MechanismId.AesKeyWrapPad);

    private sealed class GcmMechanism : ICipherMechanism, ILoadedKeyCipher
    {
        public MechanismId Id => MechanismId.AesGcm;
        public bool Approved => true;

        public CipherResult Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, CipherParameters parameters)
        {
            CheckKey(key);
            using var gcm = new AesGcm(key, CheckTagLength(parameters.TagLength));
            return Encrypt(gcm, plaintext, parameters);
        }

        public bool TryDecrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> ciphertext, CipherParameters parameters, out byte[] plaintext)
        {
            CheckKey(key);
            using var gcm = new AesGcm(key, CheckTagLength(parameters.TagLength));
            return TryDecrypt(gcm, ciphertext, parameters, out plaintext);
        }

        public bool Accepts(LoadedKey key) => key.IsSecret;

        public CipherResult Encrypt(LoadedKey key, ReadOnlySpan<byte> plaintext, CipherParameters parameters)
        {
            CheckKey(key.Secret);
            return Encrypt(key.Gcm(CheckTagLength(parameters.TagLength)), plaintext, parameters);
        }

        public bool TryDecrypt(LoadedKey key, ReadOnlySpan<byte> ciphertext, CipherParameters parameters, out byte[] plaintext)
        {
            CheckKey(key.Secret);
            return TryDecrypt(key.Gcm(CheckTagLength(parameters.TagLength)), ciphertext, parameters, out plaintext);
        }

        private static CipherResult Encrypt(AesGcm gcm, ReadOnlySpan<byte> plaintext, CipherParameters parameters)
        {
            var tagLength = gcm.TagSizeInBytes!.Value;
            var nonce = parameters.Iv.IsEmpty
                ? RandomNumberGenerator.GetBytes(GcmNonceLength)
                : CheckNonce(parameters.Iv.Span).ToArray();

            var output = new byte[plaintext.Length + tagLength];
            gcm.Encrypt(nonce, plaintext, output.AsSpan(0, plaintext.Length), output.AsSpan(plaintext.Length), parameters.AssociatedData.Span);
            return new CipherResult(output, nonce);
        }

        private static bool TryDecrypt(AesGcm gcm, ReadOnlySpan<byte> ciphertext, CipherParameters parameters, out byte[] plaintext)
        {
            var tagLength = gcm.TagSizeInBytes!.Value;
            var nonce = CheckNonce(parameters.Iv.Span);
            plaintext = [];
            if (ciphertext.Length < tagLength) return false;

            var length = ciphertext.Length - tagLength;
            var output = new byte[length];
            try
            {
                gcm.Decrypt(nonce, ciphertext[..length], ciphertext[length..], output, parameters.AssociatedData.Span);
            }
            catch (AuthenticationTagMismatchException)
            {
                CryptographicOperations.ZeroMemory(output);
                return false;
            }
            plaintext = output;
            return true;
        }

        private static int CheckTagLength(int tagLength) =>
            tagLength is >= GcmMinTagLength and <= GcmMaxTagLength
                ? tagLength
                : throw new MechanismException(MechanismError.MechanismParamInvalid, $"An AES-GCM tag is {GcmMinTagLength} to {GcmMaxTagLength} bytes.");

        private static ReadOnlySpan<byte> CheckNonce(ReadOnlySpan<byte> nonce) =>
            nonce.Length == GcmNonceLength
                ? nonce
                : throw new MechanismException(MechanismError.MechanismParamInvalid, $"An AES-GCM IV is {GcmNonceLength} bytes.");
    }

    private sealed class CbcPadMechanism : ICipherMechanism
    {
        public MechanismId Id => MechanismId.AesCbcPad;
        public bool Approved => true;

        public CipherResult Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, CipherParameters parameters)
        {
            CheckKey(key);
            var iv = CheckBlockIv(parameters.Iv.Span, "An AES-CBC IV is 16 bytes.");
            using var aes = CreateAes(key);
            return new CipherResult(aes.EncryptCbc(plaintext, iv, PaddingMode.PKCS7), iv.ToArray());
        }

        public bool TryDecrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> ciphertext, CipherParameters parameters, out byte[] plaintext)
        {
            CheckKey(key);
            var iv = CheckBlockIv(parameters.Iv.Span, "An AES-CBC IV is 16 bytes.");
            plaintext = [];
            if (ciphertext.IsEmpty || ciphertext.Length % BlockLength != 0) return false;

            using var aes = CreateAes(key);
            var buffer = new byte[ciphertext.Length];
            try
            {
                if (!aes.TryDecryptCbc(ciphertext, iv, buffer, out var written, PaddingMode.PKCS7)) return false;
                plaintext = buffer.AsSpan(0, written).ToArray();
                return true;
            }
            catch (CryptographicException)
            {
                return false; // bad padding
            }
            finally
            {
                CryptographicOperations.ZeroMemory(buffer);
            }
        }
    }

    /// <summary>
    /// CTR as SP 800-38A: the low <see cref="CipherParameters.CounterBits"/> bits of the counter block
    /// count up from the caller's value; input that would wrap the counter is refused.
    /// </summary>
    private sealed class CtrMechanism : ICipherMechanism
    {
        public MechanismId Id => MechanismId.AesCtr;
        public bool Approved => true;

        public CipherResult Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, CipherParameters parameters)
        {
            var iv = parameters.Iv.Span;
            return new CipherResult(Transform(key, plaintext, iv, parameters.CounterBits), iv.ToArray());
        }

        public bool TryDecrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> ciphertext, CipherParameters parameters, out byte[] plaintext)
        {
            plaintext = Transform(key, ciphertext, parameters.Iv.Span, parameters.CounterBits);
            return true;
        }

        private static byte[] Transform(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, ReadOnlySpan<byte> counterBlock, int counterBits)
        {
            CheckKey(key);
            CheckBlockIv(counterBlock, "An AES-CTR counter block is 16 bytes.");
            if (counterBits is < 1 or > 128)
            {
                throw new MechanismException(MechanismError.MechanismParamInvalid, "AES-CTR counter bits are 1 to 128.");
            }

            var initial = BinaryPrimitives.ReadUInt128BigEndian(counterBlock);
            var mask = counterBits == 128 ? UInt128.MaxValue : (UInt128.One << counterBits) - 1;
            var counter = initial & mask;
            var blocks = (input.Length + BlockLength - 1) / BlockLength;
            if (blocks > 0 && (UInt128)(blocks - 1) > mask - counter)
            {
                throw new MechanismException(MechanismError.DataLenRange, "The input would wrap the AES-CTR counter.");
            }

            var keystream = new byte[blocks * BlockLength];
            try
            {
                for (var i = 0; i < blocks; i++)
                {
                    var value = (initial & ~mask) | ((counter + (UInt128)i) & mask);
                    BinaryPrimitives.WriteUInt128BigEndian(keystream.AsSpan(i * BlockLength, BlockLength), value);
                }
                using (var aes = CreateAes(key))
                {
                    aes.EncryptEcb(keystream, keystream, PaddingMode.None);
                }
                var output = new byte[input.Length];
                for (var i = 0; i < input.Length; i++)
                {
                    output[i] = (byte)(input[i] ^ keystream[i]);
                }
                return output;
            }
            finally
            {
                CryptographicOperations.ZeroMemory(keystream);
            }
        }
    }

    /// <summary>RFC 3394 (data of 16 bytes or more, in multiples of 8) or RFC 5649 (any non-empty data), default IVs only.</summary>
    private sealed class KeyWrapMechanism(MechanismId id) : ICipherMechanism
    {
        private bool Padded => id == MechanismId.AesKeyWrapPad;

        public MechanismId Id => id;
        public bool Approved => true;

        public CipherResult Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, CipherParameters parameters)
        {
            CheckKey(key);
            CheckDefaultIv(parameters);
            if (Padded)
            {
                if (plaintext.IsEmpty) throw new MechanismException(MechanismError.DataLenRange, "RFC 5649 wraps 1 byte or more.");
                return new CipherResult(AesKeyWrap.WrapWithPadding(key, plaintext), []);
            }
            if (plaintext.Length < 16 || plaintext.Length % 8 != 0)
            {
                throw new MechanismException(MechanismError.DataLenRange, "RFC 3394 wraps 16 bytes or more, in multiples of 8.");
            }
            return new CipherResult(AesKeyWrap.Wrap(key, plaintext), []);
        }

        public bool TryDecrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> ciphertext, CipherParameters parameters, out byte[] plaintext)
        {
            CheckKey(key);
            CheckDefaultIv(parameters);
            return Padded
                ? AesKeyWrap.TryUnwrapWithPadding(key, ciphertext, out plaintext)
                : AesKeyWrap.TryUnwrap(key, ciphertext, out plaintext);
        }

        private static void CheckDefaultIv(CipherParameters parameters)
        {
            if (!parameters.Iv.IsEmpty)
            {
                throw new MechanismException(MechanismError.MechanismParamInvalid, "AES key wrap uses the default IV of its RFC; pass none.");
            }
        }
    }

    private static ReadOnlySpan<byte> CheckBlockIv(ReadOnlySpan<byte> iv, string message) =>
        iv.Length == BlockLength ? iv : throw new MechanismException(MechanismError.MechanismParamInvalid, message);

    private static void CheckKey(ReadOnlySpan<byte> key)
    {
        if (key.Length is not (16 or 24 or 32))
        {
            throw new MechanismException(MechanismError.KeySizeRange, "An AES key is 16, 24 or 32 bytes.");
        }
    }

    private static Aes CreateAes(ReadOnlySpan<byte> key)
    {
        var aes = Aes.Create();
        aes.SetKey(key);
        return aes;
    }
}
