namespace CloudHsm.Core.Mechanisms;

/// <summary>A message digest (no key).</summary>
public interface IDigestMechanism
{
    MechanismId Id { get; }

    /// <summary>FIPS-approved; when false, the mechanism needs the non-FIPS switch.</summary>
    bool Approved { get; }

    /// <summary>Digest length in bytes.</summary>
    int Length { get; }

    byte[] Digest(ReadOnlySpan<byte> data);
}
