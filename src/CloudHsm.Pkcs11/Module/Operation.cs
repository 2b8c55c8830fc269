using System.Security.Cryptography;
using CloudHsm.Protocol.V1;

namespace CloudHsm.Pkcs11.Module;

/// <summary>The kinds of operation a session can have active, one of each at a time.</summary>
internal enum OperationKind { Encrypt, Decrypt, Sign, Verify, Digest }

/// <summary>
/// One active cryptographic operation: mechanism, key and parameters fixed by *Init, the parts given
/// through *Update (the node works on whole messages), and a result computed for a length query or a
/// short buffer, handed out unchanged by the next call.
/// </summary>
internal sealed class Operation(OperationKind kind, MechanismEntry mechanism, ulong key, CipherParameters? parameters) : IDisposable
{
    /// <summary>The node's limit for one message.</summary>
    public const int MaxInputBytes = 512 * 1024;

    private byte[] _input = [];
    private int _length;

    public OperationKind Kind { get; } = kind;
    public MechanismEntry Mechanism { get; } = mechanism;
    public ulong Key { get; } = key;
    public CipherParameters? Parameters { get; } = parameters;

    /// <summary>The finished result waiting to be fetched (length query or CKR_BUFFER_TOO_SMALL before).</summary>
    public byte[]? Pending { get; set; }

    public ReadOnlySpan<byte> Input => _input.AsSpan(0, _length);

    public void Append(ReadOnlySpan<byte> part)
    {
        if (part.IsEmpty) return;
        if (_length + part.Length > MaxInputBytes) throw new CkException(Abi.Ckr.DATA_LEN_RANGE);
        if (_length + part.Length > _input.Length)
        {
            var grown = new byte[Math.Min(MaxInputBytes, Math.Max(_length + part.Length, _input.Length * 2))];
            _input.AsSpan(0, _length).CopyTo(grown);
            CryptographicOperations.ZeroMemory(_input);
            _input = grown;
        }
        part.CopyTo(_input.AsSpan(_length));
        _length += part.Length;
    }

    /// <summary>Wipes what the operation held (plaintext may be among it).</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_input);
        if (Pending is not null) CryptographicOperations.ZeroMemory(Pending);
        _length = 0;
    }
}
