namespace CloudHsm.Pkcs11.Module;

/// <summary>A PKCS#11 return value on its way to the C boundary.</summary>
internal sealed class CkException(ulong rv) : Exception($"CKR 0x{rv:X}")
{
    public ulong ReturnValue { get; } = rv;
}
