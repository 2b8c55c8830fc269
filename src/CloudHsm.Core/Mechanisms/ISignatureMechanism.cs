namespace CloudHsm.Core.Mechanisms;

/// <summary>
/// A sign/verify mechanism. Private keys are PKCS#8 DER (RSA, EC) or raw bytes (Ed25519 seed,
/// HMAC secret); public keys are SubjectPublicKeyInfo DER (RSA, EC) or raw bytes (Ed25519 point,
/// and the same secret for HMAC). A signature that does not verify is <c>false</c>; misuse throws
/// <see cref="MechanismException"/>.
/// </summary>
public interface ISignatureMechanism
{
    MechanismId Id { get; }

    /// <summary>Signing is FIPS-approved; when false, signing needs the non-FIPS switch.</summary>
    bool Approved { get; }

    /// <summary>Verifying is FIPS-approved (legacy verification, such as SHA-1 RSA, stays allowed).</summary>
    bool VerifyApproved { get; }

    /// <summary>
    /// Signing this input is FIPS-approved: <see cref="Approved"/> unless the input names its own hash
    /// (CKM_RSA_PKCS over a SHA-1 DigestInfo is not).
    /// </summary>
    bool ApprovedFor(ReadOnlySpan<byte> data) => Approved;

    byte[] Sign(ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> data);

    bool Verify(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature);
}
