using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Digests;

namespace CloudHsm.Core.Mechanisms;

/// <summary>SHA-1 and SHA-2 digests (CKM_SHA_1, CKM_SHA224/256/384/512). SHA-224 comes from BouncyCastle: .NET has none.</summary>
public static class DigestMechanisms
{
    public static readonly IDigestMechanism Sha1 = new Hash(MechanismId.Sha1, SHA1.HashSizeInBytes, static d => SHA1.HashData(d));
    public static readonly IDigestMechanism Sha224 = new Hash(MechanismId.Sha224, Sha224Length, static d => Sha224Hash(d));
    public static readonly IDigestMechanism Sha256 = new Hash(MechanismId.Sha256, SHA256.HashSizeInBytes, static d => SHA256.HashData(d));
    public static readonly IDigestMechanism Sha384 = new Hash(MechanismId.Sha384, SHA384.HashSizeInBytes, static d => SHA384.HashData(d));
    public static readonly IDigestMechanism Sha512 = new Hash(MechanismId.Sha512, SHA512.HashSizeInBytes, static d => SHA512.HashData(d));

    internal const int Sha224Length = 28;

    internal static byte[] Sha224Hash(ReadOnlySpan<byte> data)
    {
        var digest = new Sha224Digest();
        digest.BlockUpdate(data);
        var output = new byte[Sha224Length];
        digest.DoFinal(output);
        return output;
    }

    private delegate byte[] HashFunction(ReadOnlySpan<byte> data);

    private sealed class Hash(MechanismId id, int length, HashFunction hash) : IDigestMechanism
    {
        public MechanismId Id => id;
        public bool Approved => true;
        public int Length => length;
        public byte[] Digest(ReadOnlySpan<byte> data) => hash(data);
    }
}
