using System.Security.Cryptography;

namespace CloudHsm.Core.Mechanisms;

/// <summary>
/// Key material imported once for repeated use: an RSA or EC private key object, or a secret key's
/// bytes in a pinned array (so the GC never leaves a copy behind). One caller at a time: nothing here
/// is shared between threads (<see cref="Keys.LoadedKeyCache"/> rents each instance to one call).
/// Disposing frees the key objects and wipes the secret bytes.
/// </summary>
public sealed class LoadedKey : IDisposable
{
    private readonly byte[]? _secret;
    private AesGcm? _gcm;
    private int _gcmTagLength;

    private LoadedKey(RSA? rsa, ECDsa? ecdsa, byte[]? secret)
    {
        Rsa = rsa;
        Ecdsa = ecdsa;
        _secret = secret;
    }

    /// <summary>The RSA private key, if this is one.</summary>
    public RSA? Rsa { get; }

    /// <summary>The EC private key, if this is one.</summary>
    public ECDsa? Ecdsa { get; }

    public bool IsSecret => _secret is not null;

    /// <summary>The secret key's bytes (empty unless <see cref="IsSecret"/>).</summary>
    public ReadOnlySpan<byte> Secret => _secret;

    public bool IsDisposed { get; private set; }

    /// <summary>Imports a PKCS#8 RSA private key with the checks of every RSA mechanism (form, size).</summary>
    public static LoadedKey FromRsaPrivateKey(ReadOnlySpan<byte> pkcs8) => new(RsaMechanisms.ImportPrivate(pkcs8), null, null);

    /// <summary>Imports a PKCS#8 EC private key with the checks of every ECDSA mechanism (form, curve).</summary>
    public static LoadedKey FromEcPrivateKey(ReadOnlySpan<byte> pkcs8) => new(null, EcMechanisms.Import(pkcs8, isPrivate: true), null);

    /// <summary>Copies a secret key into a pinned array; the caller wipes its own copy.</summary>
    public static LoadedKey FromSecret(ReadOnlySpan<byte> secret)
    {
        var pinned = GC.AllocateUninitializedArray<byte>(secret.Length, pinned: true);
        secret.CopyTo(pinned);
        return new LoadedKey(null, null, pinned);
    }

    /// <summary>An AES-GCM instance over the secret, made once per tag length and kept.</summary>
    internal AesGcm Gcm(int tagLength)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (_gcm is null || _gcmTagLength != tagLength)
        {
            _gcm?.Dispose();
            _gcm = new AesGcm(_secret ?? throw new InvalidOperationException("Not a secret key."), tagLength);
            _gcmTagLength = tagLength;
        }
        return _gcm;
    }

    public void Dispose()
    {
        if (IsDisposed) return;
        IsDisposed = true;
        Rsa?.Dispose();
        Ecdsa?.Dispose();
        _gcm?.Dispose();
        if (_secret is not null) CryptographicOperations.ZeroMemory(_secret);
    }

    public override string ToString() => Rsa is not null ? "loaded RSA key" : Ecdsa is not null ? "loaded EC key" : "loaded secret key";
}

/// <summary>A signature mechanism that can sign with a <see cref="LoadedKey"/> instead of importing the material.</summary>
public interface ILoadedKeySignature
{
    /// <summary>True when the loaded key is of this mechanism's kind; otherwise use the material path, which gives the refusal.</summary>
    bool Accepts(LoadedKey key);

    byte[] Sign(LoadedKey key, ReadOnlySpan<byte> data);
}

/// <summary>A cipher mechanism that can work with a <see cref="LoadedKey"/> instead of importing the material.</summary>
public interface ILoadedKeyCipher
{
    /// <inheritdoc cref="ILoadedKeySignature.Accepts"/>
    bool Accepts(LoadedKey key);

    CipherResult Encrypt(LoadedKey key, ReadOnlySpan<byte> plaintext, CipherParameters parameters);

    bool TryDecrypt(LoadedKey key, ReadOnlySpan<byte> ciphertext, CipherParameters parameters, out byte[] plaintext);
}
