using System.Buffers.Binary;
using System.Security.Cryptography;

namespace CloudHsm.Core.Mechanisms;

/// <summary>
/// AES key wrap (RFC 3394, CKM_AES_KEY_WRAP) and AES key wrap with padding (RFC 5649,
/// CKM_AES_KEY_WRAP_PAD) under a 128, 192 or 256-bit key-encryption key.
/// A failed integrity check is a <c>false</c> result, never an exception; misuse throws.
/// </summary>
public static class AesKeyWrap
{
    private const int SemiblockLength = 8;
    private const int BlockLength = 16;
    private const int Rounds = 6;
    private const uint PaddedIvPrefix = 0xA65959A6;
    private const ulong DefaultIv = 0xA6A6A6A6A6A6A6A6;

    /// <summary>Wraps key data of at least 16 bytes, in multiples of 8 (RFC 3394).</summary>
    public static byte[] Wrap(ReadOnlySpan<byte> kek, ReadOnlySpan<byte> keyData)
    {
        CheckKek(kek);
        if (keyData.Length < 2 * SemiblockLength || keyData.Length % SemiblockLength != 0)
        {
            throw new ArgumentException("RFC 3394 key data is at least 16 bytes, in multiples of 8.", nameof(keyData));
        }
        var wrapped = new byte[keyData.Length + SemiblockLength];
        BinaryPrimitives.WriteUInt64BigEndian(wrapped, DefaultIv);
        keyData.CopyTo(wrapped.AsSpan(SemiblockLength));
        using var aes = CreateAes(kek);
        WrapCore(aes, wrapped);
        return wrapped;
    }

    /// <summary>Opens an RFC 3394 wrapping; false (and an empty array) if it does not check out.</summary>
    public static bool TryUnwrap(ReadOnlySpan<byte> kek, ReadOnlySpan<byte> wrapped, out byte[] keyData)
    {
        CheckKek(kek);
        keyData = [];
        if (wrapped.Length < 3 * SemiblockLength || wrapped.Length % SemiblockLength != 0) return false;

        Span<byte> integrity = stackalloc byte[SemiblockLength];
        var plaintext = new byte[wrapped.Length - SemiblockLength];
        using (var aes = CreateAes(kek))
        {
            UnwrapCore(aes, wrapped, integrity, plaintext);
        }
        if (BinaryPrimitives.ReadUInt64BigEndian(integrity) != DefaultIv)
        {
            CryptographicOperations.ZeroMemory(plaintext);
            return false;
        }
        keyData = plaintext;
        return true;
    }

    /// <summary>Wraps 1 to 2^32-1 bytes of key data, zero-padded to 8 bytes (RFC 5649).</summary>
    public static byte[] WrapWithPadding(ReadOnlySpan<byte> kek, ReadOnlySpan<byte> keyData)
    {
        CheckKek(kek);
        if (keyData.IsEmpty || keyData.Length > Array.MaxLength - BlockLength)
        {
            throw new ArgumentException("RFC 5649 key data is 1 byte or more.", nameof(keyData));
        }
        var paddedLength = (keyData.Length + SemiblockLength - 1) / SemiblockLength * SemiblockLength;
        var wrapped = new byte[paddedLength + SemiblockLength];
        BinaryPrimitives.WriteUInt32BigEndian(wrapped, PaddedIvPrefix);
        BinaryPrimitives.WriteUInt32BigEndian(wrapped.AsSpan(4), (uint)keyData.Length);
        keyData.CopyTo(wrapped.AsSpan(SemiblockLength));
        using var aes = CreateAes(kek);
        if (paddedLength == SemiblockLength)
        {
            EncryptBlockInPlace(aes, wrapped);
        }
        else
        {
            WrapCore(aes, wrapped);
        }
        return wrapped;
    }

    /// <summary>Opens an RFC 5649 wrapping; false (and an empty array) if it does not check out.</summary>
    public static bool TryUnwrapWithPadding(ReadOnlySpan<byte> kek, ReadOnlySpan<byte> wrapped, out byte[] keyData)
    {
        CheckKek(kek);
        keyData = [];
        if (wrapped.Length < BlockLength || wrapped.Length % SemiblockLength != 0) return false;

        Span<byte> integrity = stackalloc byte[SemiblockLength];
        var padded = new byte[wrapped.Length - SemiblockLength];
        try
        {
            using (var aes = CreateAes(kek))
            {
                if (padded.Length == SemiblockLength)
                {
                    DecryptSingleBlock(aes, wrapped, integrity, padded);
                }
                else
                {
                    UnwrapCore(aes, wrapped, integrity, padded);
                }
            }
            if (!TryReadPaddedLength(integrity, padded, out var length)) return false;
            keyData = padded.AsSpan(0, length).ToArray();
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(padded);
        }
    }

    /// <summary>RFC 5649 section 3 checks: the prefix, the length in the last semiblock, zero padding.</summary>
    private static bool TryReadPaddedLength(ReadOnlySpan<byte> integrity, ReadOnlySpan<byte> padded, out int length)
    {
        var prefixOk = BinaryPrimitives.ReadUInt32BigEndian(integrity) == PaddedIvPrefix;
        var declared = BinaryPrimitives.ReadUInt32BigEndian(integrity[4..]);
        var lengthOk = declared > (uint)(padded.Length - SemiblockLength) && declared <= (uint)padded.Length;
        length = lengthOk ? (int)declared : padded.Length;
        var paddingOk = padded[length..].IndexOfAnyExcept((byte)0) < 0;
        return prefixOk & lengthOk & paddingOk;
    }

    /// <summary>RFC 3394 W: <paramref name="buffer"/> holds the integrity semiblock then n >= 2 semiblocks, wrapped in place.</summary>
    private static void WrapCore(Aes aes, Span<byte> buffer)
    {
        var integrity = buffer[..SemiblockLength];
        var semiblocks = buffer[SemiblockLength..];
        var n = semiblocks.Length / SemiblockLength;
        Span<byte> input = stackalloc byte[BlockLength];
        Span<byte> output = stackalloc byte[BlockLength];
        try
        {
            for (var j = 0; j < Rounds; j++)
            {
                for (var i = 0; i < n; i++)
                {
                    var r = semiblocks.Slice(i * SemiblockLength, SemiblockLength);
                    integrity.CopyTo(input);
                    r.CopyTo(input[SemiblockLength..]);
                    aes.EncryptEcb(input, output, PaddingMode.None);
                    var t = (ulong)n * (ulong)j + (ulong)(i + 1);
                    BinaryPrimitives.WriteUInt64BigEndian(integrity, BinaryPrimitives.ReadUInt64BigEndian(output) ^ t);
                    output[SemiblockLength..].CopyTo(r);
                }
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(input);
            CryptographicOperations.ZeroMemory(output);
        }
    }

    /// <summary>RFC 3394 W⁻¹: writes the recovered integrity semiblock and the n >= 2 plaintext semiblocks.</summary>
    private static void UnwrapCore(Aes aes, ReadOnlySpan<byte> wrapped, Span<byte> integrity, Span<byte> semiblocks)
    {
        wrapped[..SemiblockLength].CopyTo(integrity);
        wrapped[SemiblockLength..].CopyTo(semiblocks);
        var n = semiblocks.Length / SemiblockLength;
        Span<byte> input = stackalloc byte[BlockLength];
        Span<byte> output = stackalloc byte[BlockLength];
        try
        {
            for (var j = Rounds - 1; j >= 0; j--)
            {
                for (var i = n - 1; i >= 0; i--)
                {
                    var r = semiblocks.Slice(i * SemiblockLength, SemiblockLength);
                    var t = (ulong)n * (ulong)j + (ulong)(i + 1);
                    BinaryPrimitives.WriteUInt64BigEndian(input, BinaryPrimitives.ReadUInt64BigEndian(integrity) ^ t);
                    r.CopyTo(input[SemiblockLength..]);
                    aes.DecryptEcb(input, output, PaddingMode.None);
                    output[..SemiblockLength].CopyTo(integrity);
                    output[SemiblockLength..].CopyTo(r);
                }
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(input);
            CryptographicOperations.ZeroMemory(output);
        }
    }

    /// <summary>RFC 5649 special case for one semiblock of key data: a single AES block.</summary>
    private static void EncryptBlockInPlace(Aes aes, Span<byte> block)
    {
        Span<byte> output = stackalloc byte[BlockLength];
        aes.EncryptEcb(block, output, PaddingMode.None);
        output.CopyTo(block);
        CryptographicOperations.ZeroMemory(output);
    }

    private static void DecryptSingleBlock(Aes aes, ReadOnlySpan<byte> wrapped, Span<byte> integrity, Span<byte> semiblock)
    {
        Span<byte> output = stackalloc byte[BlockLength];
        aes.DecryptEcb(wrapped, output, PaddingMode.None);
        output[..SemiblockLength].CopyTo(integrity);
        output[SemiblockLength..].CopyTo(semiblock);
        CryptographicOperations.ZeroMemory(output);
    }

    private static Aes CreateAes(ReadOnlySpan<byte> kek)
    {
        var aes = Aes.Create();
        aes.SetKey(kek);
        return aes;
    }

    private static void CheckKek(ReadOnlySpan<byte> kek)
    {
        if (kek.Length is not (16 or 24 or 32))
        {
            throw new ArgumentException("An AES key-encryption key is 16, 24 or 32 bytes.", nameof(kek));
        }
    }
}
