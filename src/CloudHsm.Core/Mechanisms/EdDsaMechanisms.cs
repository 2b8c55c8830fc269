namespace CloudHsm.Core.Mechanisms;

/// <summary>CKM_EDDSA (pure Ed25519, no parameters) over <see cref="Ed25519"/>: raw 32-byte keys.</summary>
public static class EdDsaMechanisms
{
    public static readonly ISignatureMechanism Ed25519Pure = new EdDsa();

    private sealed class EdDsa : ISignatureMechanism
    {
        public MechanismId Id => MechanismId.EdDsa;
        public bool Approved => true;
        public bool VerifyApproved => true;

        public byte[] Sign(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> data)
        {
            if (privateKey.Length != Ed25519.PrivateKeyLength)
            {
                throw new MechanismException(MechanismError.KeyTypeInconsistent, "An Ed25519 private key is the raw 32-byte seed.");
            }
            return Ed25519.Sign(privateKey, data);
        }

        public bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
        {
            if (publicKey.Length != Ed25519.PublicKeyLength)
            {
                throw new MechanismException(MechanismError.KeyTypeInconsistent, "An Ed25519 public key is the raw 32-byte point.");
            }
            return Ed25519.Verify(publicKey, data, signature);
        }
    }
}
