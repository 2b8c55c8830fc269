using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CloudHsm.Cli.Support;
using CloudHsm.Client;
using CloudHsm.Core.Keys;
using CloudHsm.Protocol.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using CoreUserType = CloudHsm.Core.Users.UserType;
using ProtoAttribute = CloudHsm.Protocol.V1.Attribute;

namespace CloudHsm.Cli.Commands;

/// <summary>`cloudhsm key ...`: key management as a CU (implicit login through CLOUDHSM_USER / CLOUDHSM_PASSWORD).</summary>
internal static class KeyCommands
{
    internal static readonly Option<ulong> Handle = new("--handle") { Description = "Key handle.", Required = true };
    internal static readonly Option<string?> Label = new("--label") { Description = "Key label." };
    internal static readonly Option<string?> Id = new("--id") { Description = "Key ID in hex." };
    internal static readonly Option<bool> NonExtractable = new("--non-extractable") { Description = "The key can never leave the partition." };
    internal static readonly Option<bool> Session = new("--session")
    {
        Description = "A session key (TOKEN = 0): it lives only as long as this login and is never written to disk (default: a token key).",
    };

    private static readonly Dictionary<string, AttributeId> AttributeNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["label"] = AttributeId.Label,
        ["trusted"] = AttributeId.Trusted,
        ["extractable"] = AttributeId.Extractable,
        ["sensitive"] = AttributeId.Sensitive,
        ["wrap_with_trusted"] = AttributeId.WrapWithTrusted,
        ["encrypt"] = AttributeId.Encrypt,
        ["decrypt"] = AttributeId.Decrypt,
        ["wrap"] = AttributeId.Wrap,
        ["unwrap"] = AttributeId.Unwrap,
        ["sign"] = AttributeId.Sign,
        ["verify"] = AttributeId.Verify,
        ["derive"] = AttributeId.Derive,
        ["modifiable"] = AttributeId.Modifiable,
        ["destroyable"] = AttributeId.Destroyable,
        ["token"] = AttributeId.Token,
    };

    private static readonly Dictionary<string, string> Curves = new(StringComparer.OrdinalIgnoreCase)
    {
        ["p256"] = "1.2.840.10045.3.1.7",
        ["p384"] = "1.3.132.0.34",
        ["p521"] = "1.3.132.0.35",
        ["secp256k1"] = "1.3.132.0.10",
    };

    public static Command Create()
    {
        var key = new Command("key", "Manage keys (log in as a CU through CLOUDHSM_USER/CLOUDHSM_PASSWORD or CLOUDHSM_CREDENTIALS).");
        key.Subcommands.Add(Gen());
        key.Subcommands.Add(List());
        key.Subcommands.Add(UserCommands.Make("show", "Show a key: owner, shares, state, last use and its attributes.", [Handle], CoreUserType.CU,
            async (c, p) => Describe(await c.GetKeyInfoAsync(p.GetValue(Handle)), detailed: true), Details));
        key.Subcommands.Add(Set());
        var user = new Option<string>("--user") { Description = "CU to share the key with.", Required = true };
        var revoke = new Option<bool>("--revoke") { Description = "Take the share back." };
        key.Subcommands.Add(UserCommands.Make("share", "Share a key with another CU, or take the share back.", [Handle, user, revoke], CoreUserType.CU, async (c, p) =>
        {
            var handle = p.GetValue(Handle);
            var revoking = p.GetValue(revoke);
            await c.ShareKeyAsync(handle, p.GetValue(user)!, !revoking);
            return new JsonObject { ["result"] = $"key {handle}: {(revoking ? "share revoked from" : "shared with")} {p.GetValue(user)}", ["handle"] = handle };
        }));
        key.Subcommands.Add(UserCommands.Make("delete", "Delete a key.", [Handle], CoreUserType.CU, async (c, p) =>
        {
            var handle = p.GetValue(Handle);
            await c.DeleteKeyAsync(handle);
            return new JsonObject { ["result"] = $"key {handle}: deleted", ["handle"] = handle };
        }));
        foreach (var command in KeyTransferCommands.Create()) key.Subcommands.Add(command);
        key.Subcommands.Add(UserCommands.Make("rotate",
            "Make a successor with the same label and policy; the key (and its partner) may then only decrypt, verify and unwrap.",
            [Handle], CoreUserType.CU, async (c, p) =>
        {
            var handle = p.GetValue(Handle);
            var successors = await c.RotateKeyAsync(handle);
            var result = new JsonObject { ["handle"] = handle, ["successor"] = successors[0] };
            if (successors.Count > 1) result["partnerSuccessor"] = successors[1];
            return result;
        }, r => $"key {r["handle"]}: rotated, successor {r["successor"]}" + (r["partnerSuccessor"] is { } s ? $", partner's successor {s}" : "")));
        key.Subcommands.Add(UserCommands.Make("retire", "Retire a key: from now on it may only decrypt, verify and unwrap.", [Handle], CoreUserType.CU, async (c, p) =>
        {
            var handle = p.GetValue(Handle);
            await c.RetireKeyAsync(handle);
            return new JsonObject { ["result"] = $"key {handle}: retired", ["handle"] = handle };
        }));
        return key;
    }

    private static Command Gen()
    {
        var type = new Option<string>("--type") { Description = "Key type: aes, generic, rsa, ec or ed25519.", Required = true };
        var size = new Option<int?>("--size") { Description = "Secret key length in bytes (aes: 16, 24 or 32, default 32; generic: 8..800)." };
        var bits = new Option<int?>("--bits") { Description = "RSA modulus bits: 2048 (default), 3072 or 4096." };
        var curve = new Option<string?>("--curve") { Description = "EC curve: p256 (default), p384, p521 or secp256k1." };
        var wrapWithTrusted = new Option<bool>("--wrap-with-trusted") { Description = "The key can be wrapped only with a trusted key." };
        return UserCommands.Make("gen", "Generate a key or key pair.", [type, size, bits, curve, Label, Id, NonExtractable, wrapWithTrusted, Session], CoreUserType.CU, async (c, p) =>
        {
            var common = CommonTemplate(p);
            var secret = new List<ProtoAttribute>(common);
            if (p.GetValue(NonExtractable)) secret.Add(Attr(AttributeId.Extractable, [0]));
            if (p.GetValue(wrapWithTrusted)) secret.Add(Attr(AttributeId.WrapWithTrusted, [1]));
            var storage = p.GetValue(Session) ? "session" : "token";
            var kind = p.GetValue(type)!.ToLowerInvariant();
            switch (kind)
            {
                case "aes":
                case "generic":
                {
                    var length = p.GetValue(size) ?? (kind == "aes" ? 32 : throw Usage("--size is required for a generic secret (8..800 bytes)."));
                    if (kind == "aes" && length is not (16 or 24 or 32)) throw Usage("An AES key is 16, 24 or 32 bytes.");
                    if (kind == "generic" && length is < 8 or > 800) throw Usage("A generic secret is 8..800 bytes.");
                    var handle = await c.GenerateKeyAsync((ulong)(kind == "aes" ? KeyType.Aes : KeyType.GenericSecret), length, secret);
                    return new JsonObject { ["handle"] = handle, ["storage"] = storage };
                }
                case "rsa":
                case "ec":
                case "ed25519":
                {
                    var (keyType, parameter) = kind switch
                    {
                        "rsa" => (KeyType.Rsa, (p.GetValue(bits) ?? 2048) is var b && b is 2048 or 3072 or 4096
                            ? b.ToString(CultureInfo.InvariantCulture) : throw Usage("RSA keys are 2048, 3072 or 4096 bits.")),
                        "ec" => (KeyType.Ec, Curves.TryGetValue(p.GetValue(curve) ?? "p256", out var oid)
                            ? oid : throw Usage("Curves: p256, p384, p521, secp256k1.")),
                        _ => (KeyType.EcEdwards, ""),
                    };
                    var (priv, pub) = await c.GenerateKeyPairAsync((ulong)keyType, parameter, secret, common);
                    return new JsonObject { ["private"] = priv, ["public"] = pub, ["storage"] = storage };
                }
                default:
                    throw Usage("Key types: aes, generic, rsa, ec, ed25519.");
            }
        }, r => (r.ContainsKey("handle") ? $"handle {r["handle"]}" : $"private {r["private"]} public {r["public"]}")
            + (r["storage"]?.ToString() == "session" ? " (session key: gone at logout)" : ""));
    }

    private static Command List()
    {
        var type = new Option<string?>("--type") { Description = "Only keys of this type: aes, generic, rsa, ec or ed25519." };
        var cls = new Option<string?>("--class") { Description = "Only keys of this class: secret, private or public." };
        var kcv = new Option<string?>("--kcv") { Description = "Only keys with this key check value (hex)." };
        var owner = new Option<string?>("--owner") { Description = "Only keys this CU owns." };
        var stale = new Option<int?>("--stale") { Description = "Only keys not used (nor made) in the last DAYS days." };
        var limit = new Option<int?>("--limit") { Description = "At most this many keys (default 1000)." };
        var after = new Option<ulong?>("--after") { Description = "Only keys after this handle (the last handle of the previous page)." };
        return UserCommands.Make("list", "List the keys you own or that are shared with you.", [Label, type, cls, kcv, owner, stale, limit, after], CoreUserType.CU, async (c, p) =>
        {
            var request = new FindKeysRequest { Limit = p.GetValue(limit) ?? 0, AfterHandle = p.GetValue(after) ?? 0 };
            if (p.GetValue(Label) is { } label) request.Label = label;
            if (p.GetValue(type) is { } t) request.KeyType = (ulong)(ParseType(t) ?? throw Usage("Key types: aes, generic, rsa, ec, ed25519."));
            if (p.GetValue(cls) is { } k) request.ObjectClass = (ulong)ParseClass(k, ObjectClass.SecretKey, ObjectClass.PrivateKey, ObjectClass.PublicKey);
            if (p.GetValue(kcv) is { } check) request.Kcv = ByteString.CopyFrom(DataFiles.Hex(check, "--kcv"));
            if (p.GetValue(owner) is { } o) request.Owner = o;
            if (p.GetValue(stale) is { } days) request.UnusedDays = days >= 0 ? days : throw Usage("--stale takes a number of days, 0 or more.");
            var keys = new JsonArray();
            foreach (var info in await c.FindKeysAsync(request)) keys.Add(Describe(info, detailed: false));
            return new JsonObject { ["keys"] = keys };
        }, r => string.Join(Environment.NewLine,
            new[] { $"{"handle",-11} {"class",-8} {"type",-8} {"storage",-8} {"state",-8} {"owner",-16} {"kcv",-7} {"last used",-17} label" }
                .Concat(r["keys"]!.AsArray().Select(k => Row(k!.AsObject())))));
    }

    private static Command Set()
    {
        var attribute = new Option<string>("--attribute") { Description = "Attribute name (label, trusted, extractable, sensitive, wrap_with_trusted, encrypt, decrypt, wrap, unwrap, sign, verify, derive, modifiable, destroyable, token) or number.", Required = true };
        var value = new Option<string>("--value") { Description = "0 or 1 for a flag; text for the label.", Required = true };
        return UserCommands.Make("set", "Set an attribute of a key (a CO sets trusted with --as CO).", [Handle, attribute, value], CoreUserType.CU, async (c, p) =>
        {
            var handle = p.GetValue(Handle);
            var name = p.GetValue(attribute)!;
            var id = ParseAttribute(name);
            var text = p.GetValue(value)!;
            byte[] bytes = id == AttributeId.Label ? Encoding.UTF8.GetBytes(text)
                : text switch { "0" => [0], "1" => [1], _ => throw Usage($"{name} takes 0 or 1.") };
            await c.SetAttributeAsync(handle, (ulong)id, bytes);
            return new JsonObject { ["result"] = $"key {handle}: {name} set", ["handle"] = handle, ["attribute"] = (ulong)id };
        });
    }

    /// <summary>The template attributes every new key takes from --label, --id and --session.</summary>
    internal static List<ProtoAttribute> CommonTemplate(ParseResult p)
    {
        var template = new List<ProtoAttribute>();
        if (p.GetValue(Label) is { } label) template.Add(Attr(AttributeId.Label, Encoding.UTF8.GetBytes(label)));
        if (p.GetValue(Id) is { } hex) template.Add(Attr(AttributeId.Id, DataFiles.Hex(hex, "--id")));
        // The API makes token keys unless asked otherwise.
        if (p.GetValue(Session)) template.Add(Attr(AttributeId.Token, [0]));
        return template;
    }

    /// <summary>As <see cref="CommonTemplate"/>, plus --non-extractable: the template of a new secret or private key.</summary>
    internal static List<ProtoAttribute> SecretTemplate(ParseResult p)
    {
        var template = CommonTemplate(p);
        if (p.GetValue(NonExtractable)) template.Add(Attr(AttributeId.Extractable, [0]));
        return template;
    }

    private static AttributeId ParseAttribute(string name)
    {
        if (AttributeNames.TryGetValue(name, out var id)) return id;
        var number = name.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(name.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var h) ? h : (ulong?)null
            : ulong.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var d) ? d : null;
        return number is { } n ? (AttributeId)n : throw Usage($"Unknown attribute {name}.");
    }

    internal static KeyType? ParseType(string name) => name.ToLowerInvariant() switch
    {
        "aes" => KeyType.Aes,
        "generic" => KeyType.GenericSecret,
        "rsa" => KeyType.Rsa,
        "ec" => KeyType.Ec,
        "ed25519" => KeyType.EcEdwards,
        _ => null,
    };

    /// <summary>A secret key type for --type: aes (the default) or generic.</summary>
    internal static KeyType ParseSecretType(string? name) => (name ?? "aes").ToLowerInvariant() switch
    {
        "aes" => KeyType.Aes,
        "generic" => KeyType.GenericSecret,
        _ => throw Usage("Secret key types: aes, generic."),
    };

    /// <summary>A class for --class, one of those allowed here.</summary>
    internal static ObjectClass ParseClass(string name, params ObjectClass[] allowed)
    {
        foreach (var c in allowed)
        {
            if (string.Equals(ClassName((ulong)c), name, StringComparison.OrdinalIgnoreCase)) return c;
        }
        throw Usage($"Classes here: {string.Join(", ", allowed.Select(c => ClassName((ulong)c)))}.");
    }

    private static string TypeName(ulong type) => (KeyType)type switch
    {
        KeyType.Aes => "aes",
        KeyType.GenericSecret => "generic",
        KeyType.Rsa => "rsa",
        KeyType.Ec => "ec",
        KeyType.EcEdwards => "ed25519",
        _ => type.ToString(CultureInfo.InvariantCulture),
    };

    internal static string ClassName(ulong objectClass) => (ObjectClass)objectClass switch
    {
        ObjectClass.SecretKey => "secret",
        ObjectClass.PrivateKey => "private",
        ObjectClass.PublicKey => "public",
        _ => objectClass.ToString(CultureInfo.InvariantCulture),
    };

    private static JsonObject Describe(KeyInfo info, bool detailed)
    {
        var result = new JsonObject
        {
            ["handle"] = info.Handle,
            ["class"] = ClassName(info.ObjectClass),
            ["type"] = TypeName(info.KeyType),
            ["label"] = info.Label,
            ["id"] = Convert.ToHexStringLower(info.Id.Span),
            ["owner"] = info.Owner,
            ["shares"] = new JsonArray(info.Shares.Select(s => (JsonNode)s!).ToArray()),
            ["kcv"] = Convert.ToHexStringLower(info.Kcv.Span),
            ["storage"] = info.Token ? "token" : "session",
            ["created"] = Time(info.CreatedAt),
            ["lastUsed"] = Time(info.LastUsedAt),
            ["retired"] = Time(info.RetiredAt),
        };
        if (info.Successor != 0) result["successor"] = info.Successor;
        if (info.Partner != 0) result["partner"] = info.Partner;
        if (detailed)
        {
            result["attributes"] = new JsonArray(info.Attributes.OrderBy(a => a.Id).Select(a => (JsonNode)new JsonObject
            {
                ["id"] = a.Id,
                ["name"] = AttributeName((AttributeId)a.Id),
                ["value"] = AttributeValue((AttributeId)a.Id, a.Value.Span),
            }).ToArray());
        }
        return result;
    }

    private static string? Time(Timestamp? time) =>
        time?.ToDateTimeOffset().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Row(JsonObject k)
    {
        var shares = k["shares"]!.AsArray();
        var shared = shares.Count > 0 ? $" (shared with {string.Join(", ", shares.Select(s => s!.ToString()))})" : "";
        var state = k["retired"] is null ? "active" : "retired";
        var lastUsed = k["lastUsed"]?.ToString().Replace('T', ' ')[..16] ?? "never";
        return $"{k["handle"],-11} {k["class"],-8} {k["type"],-8} {k["storage"],-8} {state,-8} {k["owner"],-16} {k["kcv"],-7} {lastUsed,-17} {k["label"]}{shared}";
    }

    private static string Details(JsonObject k)
    {
        var lines = new List<string>
        {
            $"handle       {k["handle"]}",
            $"class        {k["class"]}",
            $"type         {k["type"]}",
            $"label        {k["label"]}",
            $"id           {k["id"]}",
            $"kcv          {k["kcv"]}",
            $"owner        {k["owner"]}",
            $"shared with  {(k["shares"]!.AsArray().Count == 0 ? "nobody" : string.Join(", ", k["shares"]!.AsArray().Select(s => s!.ToString())))}",
            $"storage      {k["storage"]}{(k["storage"]!.ToString() == "session" ? " (this login only)" : "")}",
            $"created      {k["created"]}",
            $"last used    {k["lastUsed"]?.ToString() ?? "never"}",
            $"retired      {k["retired"]?.ToString() ?? "no"}",
        };
        if (k["successor"] is { } successor) lines.Add($"successor    {successor}");
        if (k["partner"] is { } partner) lines.Add($"partner      {partner}");
        lines.Add("attributes");
        lines.AddRange(k["attributes"]!.AsArray().Select(a => $"  {a!["id"],10}  {a["name"],-20} {a["value"]}"));
        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>wrap_with_trusted for WrapWithTrusted: the names `key set --attribute` takes.</summary>
    private static string AttributeName(AttributeId id)
    {
        if (!System.Enum.IsDefined(id)) return "";
        var name = id.ToString();
        var snake = new StringBuilder();
        foreach (var ch in name)
        {
            if (char.IsUpper(ch) && snake.Length > 0) snake.Append('_');
            snake.Append(char.ToLowerInvariant(ch));
        }
        return snake.ToString();
    }

    private static string AttributeValue(AttributeId id, ReadOnlySpan<byte> value)
    {
        if (id == AttributeId.Label) return Encoding.UTF8.GetString(value);
        if (AttributeTable.Has(id, AttributeRule.Boolean) && value.Length == 1) return value[0] != 0 ? "true" : "false";
        if (AttributeTable.Has(id, AttributeRule.Number) && value.Length == 8)
        {
            var number = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(value);
            return id switch
            {
                AttributeId.Class => $"{number} ({ClassName(number)})",
                AttributeId.KeyType => $"{number} ({TypeName(number)})",
                _ => number.ToString(CultureInfo.InvariantCulture),
            };
        }
        return Convert.ToHexStringLower(value);
    }

    internal static ProtoAttribute Attr(AttributeId id, byte[] value) => new() { Id = (ulong)id, Value = ByteString.CopyFrom(value) };

    internal static CliException Usage(string message) => new("RET_INVALID_INPUT", message);
}
