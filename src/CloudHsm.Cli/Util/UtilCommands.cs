using CloudHsm.Cli.Support;
using CloudHsm.Core.Keys;
using CloudHsm.Protocol.V1;
using Google.Protobuf;
using ProtoAttribute = CloudHsm.Protocol.V1.Attribute;
using ProtoUserType = CloudHsm.Protocol.V1.UserType;

namespace CloudHsm.Cli.Util;

/// <summary>
/// The command table of `cloudhsm util`, built from one file per concern: session and reference
/// commands, key management, keys in and out, and cryptography. Helpers shared by them live here.
/// </summary>
internal static partial class UtilCommands
{
    public static IReadOnlyDictionary<string, UtilVerb> All { get; } =
        SessionVerbs().Concat(KeyVerbs()).Concat(TransferVerbs()).Concat(CryptoVerbs())
            .ToDictionary(v => v.Name, StringComparer.Ordinal);

    /// <summary>The options every key-creating command shares (-l, -id, -sess, -u, quorum and replication ones).</summary>
    private static UtilOption[] Creation(bool labelRequired = true) =>
    [
        labelRequired ? UtilOption.Req("-l", "label", "the key's label (not unique)") : UtilOption.Opt("-l", "label", "the key's label"),
        UtilOption.Opt("-id", "key ID", "the key's ID, as text"),
        UtilOption.Flag("-sess", "a session key: it lives until this login ends, on this node only (setAttribute -a 1 makes it a token key)"),
        UtilOption.Opt("-u", "user ids", "share the key (the private key of a pair) with these CUs, e.g. 5,6 (see listUsers)"),
        UtilOption.Opt("-m_value", "0..8", "quorum approvals: only 0 here (no quorum authentication)"),
        .. UtilOption.Replication,
    ];

    private static ProtoAttribute Attr(AttributeId id, byte[] value) => new() { Id = (ulong)id, Value = ByteString.CopyFrom(value) };

    private static ProtoAttribute BoolAttr(AttributeId id, bool value) => Attr(id, [value ? (byte)1 : (byte)0]);

    /// <summary>Label, ID and TOKEN from -l, -id and -sess.</summary>
    private static List<ProtoAttribute> CommonTemplate(UtilArgs a)
    {
        var template = new List<ProtoAttribute>();
        if (a.Utf8("-l") is { } label) template.Add(Attr(AttributeId.Label, label));
        if (a.Utf8("-id") is { } id) template.Add(Attr(AttributeId.Id, id));
        if (a.Has("-sess")) template.Add(BoolAttr(AttributeId.Token, false));
        return template;
    }

    /// <summary>Checks -m_value and resolves -u to user names before anything is created.</summary>
    private static async Task<IReadOnlyList<string>> SharesAsync(UtilShell s, UtilArgs a)
    {
        if (a.Int("-m_value") is { } m && m != 0)
        {
            throw new CliException("RET_NOT_SUPPORTED", "Quorum authentication of keys (-m_value) is not available in this HSM; use -m_value 0 or leave it out.");
        }
        var ids = a.UserIds("-u");
        if (ids.Count == 0) return [];
        if (a.Has("-sess")) throw new CliException("RET_ATTRIBUTE_VALUE_INVALID", "A session key is not shared: leave out -u, or -sess.");
        var users = await s.Client.ListUsersAsync();
        var names = new List<string>();
        foreach (var id in ids)
        {
            var user = users.FirstOrDefault(u => u.Id == id) ?? throw new CliException("RET_USER_NOT_FOUND", $"There is no user with id {id} (see listUsers).");
            if (user.Type != ProtoUserType.Cu) throw new CliException("RET_INVALID_USER_TYPE", $"User {id} ({user.Name}) is not a CU; keys are shared with CUs.");
            names.Add(user.Name);
        }
        return names;
    }

    /// <summary>Shares a new key as -u asked; a failure here leaves the key, and says so.</summary>
    private static async Task ShareAsync(UtilShell s, ulong handle, IReadOnlyList<string> users)
    {
        foreach (var user in users)
        {
            try
            {
                await s.Client.ShareKeyAsync(handle, user, share: true);
            }
            catch (Client.HsmClientException e)
            {
                throw new CliException(e.ErrorName, $"Key {handle} was created, but sharing it with {user} failed: {e.Message}");
            }
        }
        if (users.Count > 0) s.Say($"Key {handle} shared with {string.Join(", ", users)}.");
    }

    /// <summary>User id and name by name, for getKeyInfo and findKey -u.</summary>
    private static async Task<IReadOnlyDictionary<string, int>> UserIdsAsync(UtilShell s) =>
        (await s.Client.ListUsersAsync()).ToDictionary(u => u.Name, u => u.Id, StringComparer.Ordinal);

    private static string TypeName(ulong type) => (KeyType)type switch
    {
        KeyType.Rsa => "RSA",
        KeyType.Ec => "EC",
        KeyType.GenericSecret => "GENERIC_SECRET",
        KeyType.Aes => "AES",
        KeyType.EcEdwards => "EC_EDWARDS",
        _ => type.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static string ClassName(ulong objectClass) => (ObjectClass)objectClass switch
    {
        ObjectClass.PublicKey => "public",
        ObjectClass.PrivateKey => "private",
        ObjectClass.SecretKey => "secret",
        _ => objectClass.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static async Task<byte[]> ReadFileAsync(string path, int maxBytes = 1024 * 1024)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new CliException("RET_INVALID_INPUT", $"There is no file {path}.");
        if (info.Length > maxBytes) throw new CliException("RET_DATA_LEN_RANGE", $"{path} is larger than {maxBytes} bytes.");
        return await File.ReadAllBytesAsync(path);
    }

    /// <summary>The key a handle names, as the node shows it to this user.</summary>
    private static Task<KeyInfo> InfoAsync(UtilShell s, ulong handle) => s.Client.GetKeyInfoAsync(handle);
}
