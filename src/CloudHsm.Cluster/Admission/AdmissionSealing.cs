using System.Security.Cryptography;
using System.Text;
using CloudHsm.Core.Errors;

namespace CloudHsm.Cluster.Admission;

/// <summary>
/// The domain secret encrypted to one node: ephemeral-static ECDH on P-256, HKDF-SHA256 bound to the node
/// id, AES-256-GCM with the node id as associated data. Layout: ephemeral public key (SPKI, length-prefixed),
/// nonce, tag, ciphertext.
/// </summary>
public static class AdmissionSealing
{
    private const int NonceLength = 12;
    private const int TagLength = 16;

    public static byte[] Seal(ReadOnlySpan<byte> secret, byte[] recipientExchangeKey, string nodeId)
    {
        using var recipient = ECDiffieHellman.Create();
        recipient.ImportSubjectPublicKeyInfo(recipientExchangeKey, out _);
        using var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var ephemeralPublic = ephemeral.ExportSubjectPublicKeyInfo();
        var key = DeriveKey(ephemeral, recipient.PublicKey, nodeId);
        try
        {
            var output = new byte[2 + ephemeralPublic.Length + NonceLength + TagLength + secret.Length];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(output, (ushort)ephemeralPublic.Length);
            ephemeralPublic.CopyTo(output, 2);
            var nonce = output.AsSpan(2 + ephemeralPublic.Length, NonceLength);
            RandomNumberGenerator.Fill(nonce);
            using var aes = new AesGcm(key, TagLength);
            aes.Encrypt(nonce, secret, output.AsSpan(2 + ephemeralPublic.Length + NonceLength + TagLength),
                output.AsSpan(2 + ephemeralPublic.Length + NonceLength, TagLength), Encoding.UTF8.GetBytes(nodeId));
            return output;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Opens a sealed domain secret with the node's key-exchange key; the caller wipes the result.</summary>
    public static byte[] Open(ReadOnlySpan<byte> sealedSecret, ECDiffieHellman exchange, string nodeId)
    {
        try
        {
            int keyLength = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(sealedSecret);
            using var ephemeral = ECDiffieHellman.Create();
            ephemeral.ImportSubjectPublicKeyInfo(sealedSecret.Slice(2, keyLength), out _);
            var key = DeriveKey(exchange, ephemeral.PublicKey, nodeId);
            try
            {
                var rest = sealedSecret[(2 + keyLength)..];
                var secret = new byte[rest.Length - NonceLength - TagLength];
                using var aes = new AesGcm(key, TagLength);
                aes.Decrypt(rest[..NonceLength], rest[(NonceLength + TagLength)..], rest.Slice(NonceLength, TagLength), secret, Encoding.UTF8.GetBytes(nodeId));
                return secret;
            }
            finally
            {
                CryptographicOperations.ZeroMemory(key);
            }
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException or IndexOutOfRangeException)
        {
            throw new HsmException(HsmError.RET_ADMISSION_INVALID, "The admission was not made for this node (its key does not open the domain secret).");
        }
    }

    private static byte[] DeriveKey(ECDiffieHellman own, ECDiffieHellmanPublicKey other, string nodeId)
    {
        var shared = own.DeriveRawSecretAgreement(other);
        try
        {
            return HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, 32, [], Encoding.UTF8.GetBytes("cloudhsm node admission " + nodeId));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
        }
    }
}
