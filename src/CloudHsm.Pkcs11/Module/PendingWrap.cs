using System.Security.Cryptography;
using CloudHsm.Protocol.V1;

namespace CloudHsm.Pkcs11.Module;

/// <summary>
/// A wrapped key computed for a C_WrapKey length query or short buffer, handed out unchanged by the
/// next C_WrapKey of the same request (same key, wrapping key, mechanism and parameters). The node
/// wraps once: a second wrap would give other bytes (fresh GCM IV, OAEP seed, RSA-AES temporary key)
/// and a length that might differ (a private key's PKCS#8 form), so the length answered is the
/// length delivered. A different request replaces it; closing the session drops it.
/// </summary>
internal sealed class PendingWrap(WrapKeyRequest request, byte[] wrapped) : IDisposable
{
    public WrapKeyRequest Request { get; } = request;
    public byte[] Wrapped { get; } = wrapped;

    public bool IsFor(WrapKeyRequest request) => Request.Equals(request);

    /// <summary>Wipes the wrapped bytes (ciphertext, but of key material: nothing of it lingers).</summary>
    public void Dispose() => CryptographicOperations.ZeroMemory(Wrapped);
}
