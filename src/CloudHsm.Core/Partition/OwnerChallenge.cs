namespace CloudHsm.Core.Partition;

/// <summary>A one-time nonce issued by getChallenge for CO recovery, to be signed by the PO key.</summary>
public sealed record OwnerChallenge(string UserName, byte[] Nonce, DateTimeOffset ExpiresAt);
