using System.Globalization;
using System.Text;
using CloudHsm.Cli.Support;
using CloudHsm.Core.Keys;
using CloudHsm.Protocol.V1;
using static CloudHsm.Cli.Util.UtilOption;

namespace CloudHsm.Cli.Util;

/// <summary>Generating, finding, describing, changing and deleting keys.</summary>
internal static partial class UtilCommands
{
    private const int RsaPublicExponent = 65537;

    private static IEnumerable<UtilVerb> KeyVerbs() =>
    [
        new("genSymKey", "Cfm3GenerateSymmetricKey", "Generate a symmetric key.",
            [Req("-t", "key type", "16 GENERIC_SECRET (HMAC) or 31 AES"), Req("-s", "key size", "bytes: AES 16, 24 or 32; generic secret 8..800"),
             .. Creation(), Flag("-nex", "not extractable: never wrapped or exported"),
             Opt("-wrap_with_trusted", "0|1", "1: the key can be wrapped only with a key a CO marked TRUSTED (attribute 134)")],
            GenSymKeyAsync),
        new("genRSAKeyPair", "Cfm3GenerateKeyPair", "Generate an RSA key pair.",
            [Req("-m", "modulus bits", "2048, 3072 or 4096"), Opt("-e", "public exponent", "65537 (the only exponent here; the default)"),
             .. Creation(), Flag("-nex", "the private key is not extractable"),
             Opt("-wrap_with_trusted", "0|1", "1: the private key can be wrapped only with a trusted key")],
            GenRsaKeyPairAsync),
        new("genECCKeyPair", "Cfm3GenerateKeyPair", "Generate an elliptic-curve (or Ed25519) key pair.",
            [Req("-i", "curve id", "2 P-256, 14 P-384, 15 P-521, 16 secp256k1, 28 Ed25519 (listECCCurveIds)"),
             .. Creation(), Flag("-nex", "the private key is not extractable"),
             Opt("-wrap_with_trusted", "0|1", "1: the private key can be wrapped only with a trusted key")],
            GenEccKeyPairAsync),
        new("findKey", "Cfm3FindKey", "List the handles of the keys you can use that match every criterion given.",
            [Opt("-c", "key class", "2 public, 3 private, 4 secret"), Opt("-t", "key type", "0 RSA, 3 EC, 16 GENERIC_SECRET, 31 AES, 64 EC_EDWARDS"),
             Opt("-l", "label", "exact label"), Opt("-id", "key ID", "exact ID, as text"), Opt("-sess", "0|1", "1: session keys only; 0: token keys only"),
             Opt("-u", "user ids", "keys that all these users can use"), Opt("-kcv", "key check value", "hex, e.g. 0x1a4b31")],
            FindKeyAsync),
        new("findSingleKey", "Cfm3FindKey", "Check that a key exists and that you can use it.", [Req("-k", "key handle", "the key")],
            async (s, a) =>
            {
                await InfoAsync(s, a.Handle("-k"));
                s.Success();
            }),
        new("getAttribute", "Cfm3GetAttribute", "Write one attribute of a key, or all (512), to a file as text.",
            [Req("-o", "key handle", "the key"), Req("-a", "attribute", "an attribute number (listAttributes), or 512 for all"),
             Req("-out", "file", "the text file to write (overwritten)")],
            GetAttributeAsync),
        new("setAttribute", "Cfm3SetAttribute", "Change an attribute of a key you own (-a 1 -v 1 makes a session key a token key).",
            [Req("-o", "key handle", "the key"), Req("-a", "attribute", "an attribute number (listAttributes): 1 TOKEN, 3 LABEL, usage flags 260..268, 354 EXTRACTABLE..."),
             Opt("-v", "value", "0 or 1 for a flag, text for the label; asked for when left out")],
            SetAttributeAsync),
        new("deleteKey", "Cfm3DeleteKey", "Delete a key you own.", [Req("-k", "key handle", "the key")], async (s, a) =>
        {
            await s.Client.DeleteKeyAsync(a.Handle("-k"));
            s.Success();
        }),
        new("getKeyInfo", "Cfm3GetKey", "Show the owner of a key and the users it is shared with.", [Req("-k", "key handle", "the key")], GetKeyInfoAsync),
    ];

    private static async Task GenSymKeyAsync(UtilShell s, UtilArgs a)
    {
        var type = a.RequiredInt("-t") switch
        {
            16 => KeyType.GenericSecret,
            31 => KeyType.Aes,
            var t => throw new CliException("RET_KEY_TYPE_INCONSISTENT", $"Key type {t} is not available here: use 16 (GENERIC_SECRET) or 31 (AES)."),
        };
        var size = a.RequiredInt("-s");
        var shares = await SharesAsync(s, a);
        var template = SecretTemplate(a);
        var handle = await s.Client.GenerateKeyAsync((ulong)type, size, template);
        s.Success();
        s.Say();
        s.Say($"Symmetric Key Created.  Key Handle: {handle}");
        await ShareAsync(s, handle, shares);
    }

    private static async Task GenRsaKeyPairAsync(UtilShell s, UtilArgs a)
    {
        var bits = a.RequiredInt("-m");
        if (a.Int("-e") is { } e && e != RsaPublicExponent)
        {
            throw new CliException("RET_ATTRIBUTE_VALUE_INVALID", $"The public exponent here is {RsaPublicExponent}; -e {e} is not supported.");
        }
        await GenPairAsync(s, a, KeyType.Rsa, bits.ToString(CultureInfo.InvariantCulture));
    }

    private static async Task GenEccKeyPairAsync(UtilShell s, UtilArgs a)
    {
        var (type, parameter) = UtilMechanisms.Curve(a.RequiredInt("-i"));
        await GenPairAsync(s, a, type, parameter);
    }

    private static async Task GenPairAsync(UtilShell s, UtilArgs a, KeyType type, string parameter)
    {
        var shares = await SharesAsync(s, a);
        var (privateHandle, publicHandle) = await s.Client.GenerateKeyPairAsync((ulong)type, parameter, SecretTemplate(a), CommonTemplate(a));
        s.Success();
        s.Say();
        s.Say($"Cfm3GenerateKeyPair:    public key handle: {publicHandle}    private key handle: {privateHandle}");
        await ShareAsync(s, privateHandle, shares);
    }

    /// <summary>The template of a secret or private key: label, ID, token, and -nex / -wrap_with_trusted.</summary>
    private static List<Protocol.V1.Attribute> SecretTemplate(UtilArgs a)
    {
        var template = CommonTemplate(a);
        if (a.Has("-nex")) template.Add(BoolAttr(AttributeId.Extractable, false));
        if (a.Bit("-wrap_with_trusted") is { } trusted) template.Add(BoolAttr(AttributeId.WrapWithTrusted, trusted));
        return template;
    }

    private static async Task FindKeyAsync(UtilShell s, UtilArgs a)
    {
        var request = new FindKeysRequest { Limit = 1000 };
        if (a.Int("-c") is { } c) request.ObjectClass = (ulong)c;
        if (a.Int("-t") is { } t) request.KeyType = (ulong)t;
        if (a.Text("-l") is { } label) request.Label = label;
        if (a.Utf8("-id") is { } id) request.Id = Google.Protobuf.ByteString.CopyFrom(id);
        if (a.HexBytes("-kcv") is { } kcv) request.Kcv = Google.Protobuf.ByteString.CopyFrom(kcv);
        var session = a.Bit("-sess");
        var userIds = a.UserIds("-u");
        IReadOnlyList<string> users = [];
        if (userIds.Count > 0)
        {
            var byName = await UserIdsAsync(s);
            users = userIds.Select(uid => byName.FirstOrDefault(kv => kv.Value == uid).Key
                ?? throw new CliException("RET_USER_NOT_FOUND", $"There is no user with id {uid} (see listUsers).")).ToList();
        }
        var handles = new List<ulong>();
        while (true)
        {
            var page = await s.Client.FindKeysAsync(request);
            handles.AddRange(page
                .Where(k => session is not { } sess || k.Token != sess)
                .Where(k => users.All(u => k.ObjectClass == (ulong)ObjectClass.PublicKey || k.Owner == u || k.Shares.Contains(u)))
                .Select(k => k.Handle));
            if (page.Count < request.Limit) break;
            request.AfterHandle = page[^1].Handle;
        }
        s.Output.WriteLine($"Total number of keys present {handles.Count}");
        if (handles.Count > 0)
        {
            s.Output.WriteLine();
            s.Output.WriteLine($" number of keys matched from start index 0::{handles.Count - 1}");
            s.Output.WriteLine(string.Join(", ", handles));
        }
        s.Success();
    }

    private static async Task GetAttributeAsync(UtilShell s, UtilArgs a)
    {
        var handle = a.Handle("-o");
        var attribute = (ulong)a.RequiredInt("-a");
        var file = a.RequiredText("-out");
        string text;
        if (attribute == UtilAttributes.All)
        {
            var info = await InfoAsync(s, handle);
            var attributes = info.Attributes.OrderBy(x => UtilAttributes.Rank(x.Id)).ThenBy(x => x.Id).ToList();
            text = string.Join(Environment.NewLine, attributes.Select(x => UtilAttributes.Format(x.Id, x.Value.Span)));
            s.Say($"got all attributes of size {attributes.Sum(x => x.Value.Length)} attr cnt {attributes.Count}");
        }
        else
        {
            text = UtilAttributes.Format(attribute, await s.Client.GetAttributeAsync(handle, attribute));
        }
        await File.WriteAllTextAsync(file, text + Environment.NewLine);
        s.Say($"Attributes dumped into {file} file");
        s.Success();
    }

    private static async Task SetAttributeAsync(UtilShell s, UtilArgs a)
    {
        var handle = a.Handle("-o");
        var attribute = (ulong)a.RequiredInt("-a");
        byte[] value;
        if (UtilAttributes.IsFlag(attribute))
        {
            var text = a.Text("-v") ?? s.Ask("\t This attribute is defined as a boolean value." + Environment.NewLine + "\t Enter the boolean attribute value (0 or 1):");
            value = text switch
            {
                "0" => [0],
                "1" => [1],
                _ => throw new UtilUsageException($"{UtilAttributes.NameOf(attribute)} is a flag: its value is 0 or 1, not '{text}'."),
            };
        }
        else
        {
            var text = a.Text("-v") ?? s.Ask("\t Enter the attribute value:");
            value = Encoding.UTF8.GetBytes(text);
        }
        await s.Client.SetAttributeAsync(handle, attribute, value);
        s.Success();
    }

    private static async Task GetKeyInfoAsync(UtilShell s, UtilArgs a)
    {
        var info = await InfoAsync(s, a.Handle("-k"));
        var ids = await UserIdsAsync(s);
        string Who(string name) => ids.TryGetValue(name, out var id) ? $"{id} ({name})" : name;
        s.Success();
        s.Say();
        s.Say($"Owned by user {Who(info.Owner)}");
        if (info.Shares.Count > 0 && info.ObjectClass != (ulong)ObjectClass.PublicKey)
        {
            s.Say();
            s.Say($"also, shared to following {info.Shares.Count} user(s):");
            s.Say();
            foreach (var user in info.Shares) s.Say($"\t {Who(user)}");
        }
        s.Say();
        var id = info.Id.IsEmpty ? "" : $", ID \"{Encoding.UTF8.GetString(info.Id.Span)}\"";
        var kcv = info.Kcv.IsEmpty ? "" : $", KCV 0x{Convert.ToHexStringLower(info.Kcv.Span)}";
        s.Say($"Key {info.Handle}: {ClassName(info.ObjectClass)} {TypeName(info.KeyType)}, label \"{info.Label}\"{id}{kcv}, "
            + (info.Token ? "token key" : "session key (ends with this login)"));
        if (info.Partner != 0) s.Say($"Other half of the pair: {info.Partner}");
        if (info.LastUsedAt is not null) s.Say($"Last used: {info.LastUsedAt.ToDateTimeOffset():u}");
        if (info.RetiredAt is not null) s.Say($"Retired: {info.RetiredAt.ToDateTimeOffset():u} (decrypt, verify and unwrap only){(info.Successor != 0 ? $"; successor {info.Successor}" : "")}");
    }
}
