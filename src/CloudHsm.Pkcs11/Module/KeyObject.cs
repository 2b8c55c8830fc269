using System.Collections.Frozen;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Transport;
using CloudHsm.Protocol.V1;

namespace CloudHsm.Pkcs11.Module;

/// <summary>What the module can say about one attribute of an object.</summary>
/// <remarks><see cref="AttributeAnswer.SecretValue"/>: CKA_VALUE that the node holds as the object's material (an extractable secret key's, a certificate's, a data object's), read with its own call.</remarks>
internal enum AttributeAnswer { Value, Sensitive, Invalid, SecretValue }

/// <summary>
/// A key, certificate or data object as the node describes it (<see cref="KeyInfo"/>: every attribute but secret values), with
/// the attributes PKCS#11 clients expect that the partition does not store, at their standard
/// defaults. C_GetAttributeValue and the template match of C_FindObjects both read it.
/// </summary>
internal sealed class KeyObject
{
    private static readonly byte[] False = [0];
    private static readonly byte[] True = [1];
    private static readonly byte[] Empty = [];
    private static readonly byte[] Zero = new byte[8];

    // Secret components: present on private and secret keys, never readable one by one.
    private static readonly FrozenSet<ulong> RsaPrivateParts = new ulong[] { Cka.PRIVATE_EXPONENT, 0x124, 0x125, 0x126, 0x127, Cka.COEFFICIENT }.ToFrozenSet();

    private static readonly ulong[] Usages = [Cka.ENCRYPT, Cka.DECRYPT, Cka.WRAP, Cka.UNWRAP, Cka.SIGN, Cka.SIGN_RECOVER, Cka.VERIFY, Cka.VERIFY_RECOVER, Cka.DERIVE];

    private readonly Dictionary<ulong, byte[]> _attributes = [];

    public KeyObject(KeyInfo info)
    {
        Handle = info.Handle;
        Class = info.ObjectClass;
        KeyType = info.KeyType;
        Size = info.ObjectSize;
        foreach (var attribute in info.Attributes) _attributes[attribute.Id] = attribute.Value.ToByteArray();
        // Every object may be copied (C_CopyObject) unless its owner set COPYABLE to CK_FALSE.
        Default(Cka.COPYABLE, True);
        if (Class == Cko.DATA) return;
        Default(Cka.ID, Empty);
        Default(Cka.START_DATE, Empty);
        Default(Cka.END_DATE, Empty);
        if (Class == Cko.CERTIFICATE)
        {
            Default(Cka.URL, Empty);
            Default(Cka.HASH_OF_SUBJECT_PUBLIC_KEY, Empty);
            Default(Cka.HASH_OF_ISSUER_PUBLIC_KEY, Empty);
            Default(Cka.JAVA_MIDP_SECURITY_DOMAIN, Zero);
            return;
        }
        // Usage flags are common to all keys: one the key cannot have reads CK_FALSE.
        foreach (var usage in Usages) Default(usage, False);
        if (Class is Cko.PRIVATE_KEY or Cko.PUBLIC_KEY) Default(Cka.SUBJECT, Empty);
        if (Class == Cko.PRIVATE_KEY) Default(Cka.ALWAYS_AUTHENTICATE, False);
    }

    /// <summary>About how many bytes the object takes, as the node counts them (C_GetObjectSize).</summary>
    public ulong Size { get; }

    public ulong Handle { get; }
    public ulong Class { get; }
    public ulong KeyType { get; }
    public bool IsToken => IsTrue(Cka.TOKEN);

    /// <summary>True for private and secret keys: their values stay inside unless extractable and not sensitive.</summary>
    public bool HoldsSecret => Class is Cko.PRIVATE_KEY or Cko.SECRET_KEY;

    public static KeyObject Fetch(IModuleTransport transport, ulong handle, ulong missingAs) =>
        new(ErrorMap.WithMissingKeyAs(missingAs, () => transport.Call(NodeMethods.GetKeyInfo, new KeyRef { Handle = handle }, KeyInfo.Parser)));

    public bool IsTrue(ulong attribute) => _attributes.TryGetValue(attribute, out var v) && v.Length == 1 && v[0] != 0;

    /// <summary>The answer for one attribute; <paramref name="value"/> is set for <see cref="AttributeAnswer.Value"/>.</summary>
    public AttributeAnswer Answer(ulong attribute, out byte[]? value)
    {
        value = null;
        if (attribute == Cka.VALUE && Class is Cko.CERTIFICATE or Cko.DATA) return AttributeAnswer.SecretValue;
        var secretPart = attribute == Cka.VALUE || (KeyType == Ckk.RSA && RsaPrivateParts.Contains(attribute));
        if (HoldsSecret && secretPart)
        {
            if (IsTrue(Cka.SENSITIVE) || !IsTrue(Cka.EXTRACTABLE)) return AttributeAnswer.Sensitive;
            return attribute == Cka.VALUE && Class == Cko.SECRET_KEY ? AttributeAnswer.SecretValue : AttributeAnswer.Invalid;
        }
        if (_attributes.TryGetValue(attribute, out value)) return AttributeAnswer.Value;
        return AttributeAnswer.Invalid;
    }

    /// <summary>True when every attribute of a template has exactly the object's value (find).</summary>
    public bool Matches(IReadOnlyList<(ulong Type, byte[] Value)> template)
    {
        foreach (var (type, expected) in template)
        {
            if (Answer(type, out var actual) != AttributeAnswer.Value || !actual!.AsSpan().SequenceEqual(expected)) return false;
        }
        return true;
    }

    private void Default(ulong attribute, byte[] value) => _attributes.TryAdd(attribute, value);
}
