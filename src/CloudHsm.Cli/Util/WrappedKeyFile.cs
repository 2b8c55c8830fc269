using System.Buffers.Binary;
using System.Text;
using CloudHsm.Cli.Support;

namespace CloudHsm.Cli.Util;

/// <summary>
/// The file wrapKey writes: unless -noheader, a short header says what the wrapped key is (class, type,
/// label, ID) and how it was wrapped (util mechanism and hash numbers), so that unWrapKey needs only the
/// file, the unwrapping key and -m. With -noheader the file holds the wrapped bytes alone, as other tools
/// (openssl id-aes256-wrap-pad, PKCS#11) read and write them.
/// Layout: "CHSMWK" 1 (version), class (1 byte), key type (4 bytes big-endian), mechanism (1), hash (1),
/// label length (2) and UTF-8 label, ID length (2) and ID, then the wrapped bytes.
/// </summary>
internal sealed record WrappedKeyFile(ulong ObjectClass, ulong KeyType, string Label, byte[] Id, int Mechanism, int Hash, byte[] Wrapped)
{
    private static readonly byte[] Magic = "CHSMWK"u8.ToArray();
    private const byte Version = 1;

    public byte[] ToBytes()
    {
        var label = Encoding.UTF8.GetBytes(Label);
        if (label.Length > ushort.MaxValue || Id.Length > ushort.MaxValue) throw new CliException("RET_INVALID_INPUT", "The label or ID is too long for a wrapped-key header.");
        var buffer = new byte[Magic.Length + 1 + 1 + 4 + 1 + 1 + 2 + label.Length + 2 + Id.Length + Wrapped.Length];
        var span = buffer.AsSpan();
        Magic.CopyTo(span);
        var at = Magic.Length;
        span[at++] = Version;
        span[at++] = (byte)ObjectClass;
        BinaryPrimitives.WriteUInt32BigEndian(span[at..], (uint)KeyType);
        at += 4;
        span[at++] = (byte)Mechanism;
        span[at++] = (byte)Hash;
        BinaryPrimitives.WriteUInt16BigEndian(span[at..], (ushort)label.Length);
        at += 2;
        label.CopyTo(span[at..]);
        at += label.Length;
        BinaryPrimitives.WriteUInt16BigEndian(span[at..], (ushort)Id.Length);
        at += 2;
        Id.CopyTo(span[at..]);
        at += Id.Length;
        Wrapped.CopyTo(span[at..]);
        return buffer;
    }

    public static bool HasHeader(ReadOnlySpan<byte> file) => file.StartsWith(Magic);

    public static WrappedKeyFile Parse(ReadOnlySpan<byte> file)
    {
        var fixedLength = Magic.Length + 1 + 1 + 4 + 1 + 1 + 2;
        if (!HasHeader(file) || file.Length < fixedLength) throw Invalid();
        var at = Magic.Length;
        if (file[at++] != Version) throw new CliException("RET_INVALID_INPUT", "The wrapped-key file has a header of another version.");
        var objectClass = file[at++];
        var keyType = BinaryPrimitives.ReadUInt32BigEndian(file[at..]);
        at += 4;
        var mechanism = file[at++];
        var hash = file[at++];
        var labelLength = BinaryPrimitives.ReadUInt16BigEndian(file[at..]);
        at += 2;
        if (file.Length < at + labelLength + 2) throw Invalid();
        var label = Encoding.UTF8.GetString(file.Slice(at, labelLength));
        at += labelLength;
        var idLength = BinaryPrimitives.ReadUInt16BigEndian(file[at..]);
        at += 2;
        if (file.Length <= at + idLength) throw Invalid();
        var id = file.Slice(at, idLength).ToArray();
        at += idLength;
        return new WrappedKeyFile(objectClass, keyType, label, id, mechanism, hash, file[at..].ToArray());
    }

    private static CliException Invalid() => new("RET_INVALID_INPUT", "The wrapped-key file's header is truncated or damaged.");
}
