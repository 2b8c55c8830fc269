using System.Text;
using CloudHsm.Pkcs11.Module;

namespace CloudHsm.Pkcs11.Abi;

/// <summary>Reading and writing C memory the PKCS#11 way: NULL checks, blank padding, the length-query protocol.</summary>
internal static unsafe class Native
{
    /// <summary>The caller's input bytes; a NULL pointer with a non-zero length is CKR_ARGUMENTS_BAD.</summary>
    public static ReadOnlySpan<byte> In(byte* data, ulong length)
    {
        if (length == 0) return [];
        if (data is null || length > int.MaxValue) throw new CkException(Ckr.ARGUMENTS_BAD);
        return new ReadOnlySpan<byte>(data, (int)length);
    }

    /// <summary>CKR_ARGUMENTS_BAD for a NULL pointer the function needs.</summary>
    public static void Required(void* pointer)
    {
        if (pointer is null) throw new CkException(Ckr.ARGUMENTS_BAD);
    }

    /// <summary>
    /// Hands out a result: a NULL buffer asks the length (CKR_OK, operation stays active), a short
    /// buffer gets CKR_BUFFER_TOO_SMALL with the length (stays active), otherwise the bytes.
    /// Returns whether the bytes were delivered.
    /// </summary>
    public static ulong Out(ReadOnlySpan<byte> result, byte* output, ulong* outputLength, out bool delivered)
    {
        delivered = false;
        var needed = (ulong)result.Length;
        if (output is null)
        {
            *outputLength = needed;
            return Ckr.OK;
        }
        if (*outputLength < needed)
        {
            *outputLength = needed;
            return Ckr.BUFFER_TOO_SMALL;
        }
        result.CopyTo(new Span<byte>(output, result.Length));
        *outputLength = needed;
        delivered = true;
        return Ckr.OK;
    }

    /// <summary>Writes text into a fixed blank-padded field (UTF-8, cut at the field size).</summary>
    public static void Padded(byte* field, int size, string text)
    {
        var span = new Span<byte>(field, size);
        span.Fill((byte)' ');
        var bytes = Encoding.UTF8.GetBytes(text);
        bytes.AsSpan(0, Math.Min(bytes.Length, size)).CopyTo(span);
    }
}
