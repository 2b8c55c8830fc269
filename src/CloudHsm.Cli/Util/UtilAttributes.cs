using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using CloudHsm.Core.Keys;

namespace CloudHsm.Cli.Util;

/// <summary>
/// Key attributes as key_mgmt_util names and prints them (OBJ_ATTR_*): listAttributes, and the text that
/// getAttribute writes: the name on one line, the value on the next; flags and class/type as 0x%02x,
/// other numbers as 0x%08x, label and ID as text, KCV as 0x-hex, big numbers and points as plain hex.
/// </summary>
internal static class UtilAttributes
{
    public const ulong All = 512;

    private enum Kind { Flag, SmallNumber, Number, Text, Kcv, Hex }

    private static readonly (AttributeId Id, string Name, Kind Kind)[] Table =
    [
        (AttributeId.Class, "OBJ_ATTR_CLASS", Kind.SmallNumber),
        (AttributeId.KeyType, "OBJ_ATTR_KEY_TYPE", Kind.SmallNumber),
        (AttributeId.Token, "OBJ_ATTR_TOKEN", Kind.Flag),
        (AttributeId.Private, "OBJ_ATTR_PRIVATE", Kind.Flag),
        (AttributeId.Encrypt, "OBJ_ATTR_ENCRYPT", Kind.Flag),
        (AttributeId.Decrypt, "OBJ_ATTR_DECRYPT", Kind.Flag),
        (AttributeId.Wrap, "OBJ_ATTR_WRAP", Kind.Flag),
        (AttributeId.Unwrap, "OBJ_ATTR_UNWRAP", Kind.Flag),
        (AttributeId.Sign, "OBJ_ATTR_SIGN", Kind.Flag),
        (AttributeId.Verify, "OBJ_ATTR_VERIFY", Kind.Flag),
        (AttributeId.Derive, "OBJ_ATTR_DERIVE", Kind.Flag),
        (AttributeId.Local, "OBJ_ATTR_LOCAL", Kind.Flag),
        (AttributeId.Sensitive, "OBJ_ATTR_SENSITIVE", Kind.Flag),
        (AttributeId.Extractable, "OBJ_ATTR_EXTRACTABLE", Kind.Flag),
        (AttributeId.NeverExtractable, "OBJ_ATTR_NEVER_EXTRACTABLE", Kind.Flag),
        (AttributeId.AlwaysSensitive, "OBJ_ATTR_ALWAYS_SENSITIVE", Kind.Flag),
        (AttributeId.Trusted, "OBJ_ATTR_TRUSTED", Kind.Flag),
        (AttributeId.WrapWithTrusted, "OBJ_ATTR_WRAP_WITH_TRUSTED", Kind.Flag),
        (AttributeId.Modifiable, "OBJ_ATTR_MODIFIABLE", Kind.Flag),
        (AttributeId.Destroyable, "OBJ_ATTR_DESTROYABLE", Kind.Flag),
        (AttributeId.Label, "OBJ_ATTR_LABEL", Kind.Text),
        (AttributeId.Id, "OBJ_ATTR_ID", Kind.Text),
        (AttributeId.ValueLen, "OBJ_ATTR_VALUE_LEN", Kind.Number),
        (AttributeId.Kcv, "OBJ_ATTR_KCV", Kind.Kcv),
        (AttributeId.KeyGenMechanism, "OBJ_ATTR_KEY_GEN_MECHANISM", Kind.Number),
        (AttributeId.Modulus, "OBJ_ATTR_MODULUS", Kind.Hex),
        (AttributeId.ModulusBits, "OBJ_ATTR_MODULUS_BITS", Kind.Number),
        (AttributeId.PublicExponent, "OBJ_ATTR_PUBLIC_EXPONENT", Kind.Hex),
        (AttributeId.EcParams, "OBJ_ATTR_EC_PARAMS", Kind.Hex),
        (AttributeId.EcPoint, "OBJ_ATTR_EC_POINT", Kind.Hex),
        (AttributeId.StartDate, "OBJ_ATTR_START_DATE", Kind.Hex),
        (AttributeId.EndDate, "OBJ_ATTR_END_DATE", Kind.Hex),
        (AttributeId.Value, "OBJ_ATTR_VALUE", Kind.Hex),
        (AttributeId.WrapTemplate, "OBJ_ATTR_WRAP_TEMPLATE", Kind.Hex),
        (AttributeId.UnwrapTemplate, "OBJ_ATTR_UNWRAP_TEMPLATE", Kind.Hex),
    ];

    /// <summary>listAttributes: every attribute with its number, in the docs' order first.</summary>
    public static IEnumerable<(string Name, ulong Id)> Listed => Table.Select(a => (a.Name, (ulong)a.Id));

    public static bool IsFlag(ulong id) => Find(id) is { Kind: Kind.Flag };

    public static bool IsText(ulong id) => Find(id) is { Kind: Kind.Text };

    public static string NameOf(ulong id) => Find(id)?.Name ?? $"OBJ_ATTR_0x{id:x}";

    /// <summary>The two lines getAttribute writes for one attribute.</summary>
    public static string Format(ulong id, ReadOnlySpan<byte> value)
    {
        var kind = Find(id)?.Kind ?? Kind.Hex;
        var text = kind switch
        {
            Kind.Flag when value.Length == 1 => "0x" + value[0].ToString("x2", CultureInfo.InvariantCulture),
            Kind.SmallNumber when value.Length == 8 => "0x" + BinaryPrimitives.ReadUInt64LittleEndian(value).ToString("x2", CultureInfo.InvariantCulture),
            Kind.Number when value.Length == 8 => "0x" + BinaryPrimitives.ReadUInt64LittleEndian(value).ToString("x8", CultureInfo.InvariantCulture),
            Kind.Text => Printable(value) ? Encoding.UTF8.GetString(value) : "0x" + Convert.ToHexStringLower(value),
            Kind.Kcv => "0x" + Convert.ToHexStringLower(value),
            _ => Convert.ToHexStringLower(value),
        };
        return NameOf(id) + Environment.NewLine + text;
    }

    /// <summary>Orders attributes as the docs print them, unknown ones last by number.</summary>
    public static int Rank(ulong id)
    {
        for (var i = 0; i < Table.Length; i++)
        {
            if ((ulong)Table[i].Id == id) return i;
        }
        return Table.Length;
    }

    private static (AttributeId Id, string Name, Kind Kind)? Find(ulong id)
    {
        foreach (var a in Table)
        {
            if ((ulong)a.Id == id) return a;
        }
        return null;
    }

    private static bool Printable(ReadOnlySpan<byte> value)
    {
        foreach (var b in value)
        {
            if (b is < 0x20 or > 0x7e) return false;
        }
        return true;
    }
}
