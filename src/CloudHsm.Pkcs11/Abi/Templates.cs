using System.Buffers.Binary;
using CloudHsm.Pkcs11.Module;

namespace CloudHsm.Pkcs11.Abi;

/// <summary>An attribute template read from a CK_ATTRIBUTE array: (type, raw value) in the caller's order.</summary>
internal sealed class Template(List<(ulong Type, byte[] Value)> attributes)
{
    public IReadOnlyList<(ulong Type, byte[] Value)> Attributes => attributes;

    public static unsafe Template Read(CK_ATTRIBUTE* template, ulong count)
    {
        if (count > 0 && template is null) throw new CkException(Ckr.ARGUMENTS_BAD);
        if (count > 256) throw new CkException(Ckr.ARGUMENTS_BAD);
        var list = new List<(ulong, byte[])>((int)count);
        for (ulong i = 0; i < count; i++)
        {
            list.Add((template[i].type, Native.In((byte*)template[i].pValue, template[i].ulValueLen).ToArray()));
        }
        return new Template(list);
    }

    public bool Has(ulong type) => attributes.Exists(a => a.Type == type);

    public byte[]? Raw(ulong type) => attributes.FindLast(a => a.Type == type).Value;

    /// <summary>A CK_ULONG value; CKR_ATTRIBUTE_VALUE_INVALID when it is not 8 bytes.</summary>
    public ulong? Number(ulong type) => Raw(type) switch
    {
        null => null,
        { Length: 8 } v => BinaryPrimitives.ReadUInt64LittleEndian(v),
        _ => throw new CkException(Ckr.ATTRIBUTE_VALUE_INVALID),
    };

    /// <summary>A CK_BBOOL value; CKR_ATTRIBUTE_VALUE_INVALID when it is not one byte.</summary>
    public bool? Bool(ulong type) => Raw(type) switch
    {
        null => null,
        { Length: 1 } v => v[0] != 0,
        _ => throw new CkException(Ckr.ATTRIBUTE_VALUE_INVALID),
    };

    /// <summary>The template without the given attributes (those the module turns into request fields).</summary>
    public Template Without(params ulong[] types) => new(attributes.FindAll(a => Array.IndexOf(types, a.Type) < 0));

    /// <summary>
    /// The template for the node: TOKEN always explicit, CK_FALSE unless asked (the API's own default
    /// is a token key; PKCS#11's is a session object), and the class and key type checked against
    /// what is being made (CKR_TEMPLATE_INCONSISTENT). A null <paramref name="keyType"/> leaves the
    /// key type to the node (certificates and data objects have none; a public key names its own).
    /// </summary>
    public IEnumerable<Protocol.V1.Attribute> ForNode(ulong objectClass, ulong? keyType)
    {
        if (Number(Cka.CLASS) is { } c && c != objectClass) throw new CkException(Ckr.TEMPLATE_INCONSISTENT);
        if (keyType is not null && Number(Cka.KEY_TYPE) is { } k && k != keyType) throw new CkException(Ckr.TEMPLATE_INCONSISTENT);
        var token = Bool(Cka.TOKEN) ?? false;
        yield return new Protocol.V1.Attribute { Id = Cka.TOKEN, Value = Google.Protobuf.ByteString.CopyFrom([token ? (byte)1 : (byte)0]) };
        foreach (var (type, value) in attributes)
        {
            if (type == Cka.TOKEN) continue;
            yield return new Protocol.V1.Attribute { Id = type, Value = Google.Protobuf.ByteString.CopyFrom(value) };
        }
    }

    /// <summary>The template as it is, for the node (C_CopyObject: only what the caller wants changed).</summary>
    public IEnumerable<Protocol.V1.Attribute> AsGiven() =>
        attributes.Select(a => new Protocol.V1.Attribute { Id = a.Type, Value = Google.Protobuf.ByteString.CopyFrom(a.Value) });

    public bool Token => Bool(Cka.TOKEN) ?? false;
}
