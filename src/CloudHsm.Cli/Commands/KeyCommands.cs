using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CloudHsm.Cli.Support;
using CloudHsm.Client;
using CloudHsm.Core.Keys;
using CloudHsm.Protocol.V1;
using Google.Protobuf;
using CoreUserType = CloudHsm.Core.Users.UserType;
using ProtoAttribute = CloudHsm.Protocol.V1.Attribute;

namespace CloudHsm.Cli.Commands;

/// <summary>`cloudhsm key ...`: key management as a CU (implicit login through CLOUDHSM_USER / CLOUDHSM_PASSWORD).</summary>
internal static class KeyCommands
{
    private static readonly Option<ulong> Handle = new("--handle") { Description = "Key handle.", Required = true };
    private static readonly Option<string?> Label = new("--label") { Description = "Key label." };

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
        key.Subcommands.Add(UserCommands.Make("show", "Show a key.", [Handle], CoreUserType.CU,
            async (c, p) => Describe(await c.GetKeyInfoAsync(p.GetValue(Handle))), r => Row(r)));
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
        return key;
    }

    private static Command Gen()
    {
        var type = new Option<string>("--type") { Description = "Key type: aes, generic, rsa, ec or ed25519.", Required = true };
        var size = new Option<int?>("--size") { Description = "Secret key length in bytes (aes: 16, 24 or 32, default 32; generic: 8..800)." };
        var bits = new Option<int?>("--bits") { Description = "RSA modulus bits: 2048 (default), 3072 or 4096." };
        var curve = new Option<string?>("--curve") { Description = "EC curve: p256 (default), p384, p521 or secp256k1." };
        var id = new Option<string?>("--id") { Description = "Key ID in hex." };
        var nonExtractable = new Option<bool>("--non-extractable") { Description = "The key can never leave the partition." };
        var wrapWithTrusted = new Option<bool>("--wrap-with-trusted") { Description = "The key can be wrapped only with a trusted key." };
        return UserCommands.Make("gen", "Generate a key or key pair.", [type, size, bits, curve, Label, id, nonExtractable, wrapWithTrusted], CoreUserType.CU, async (c, p) =>
        {
            var common = new List<ProtoAttribute>();
            if (p.GetValue(Label) is { } label) common.Add(Attr(AttributeId.Label, Encoding.UTF8.GetBytes(label)));
            if (p.GetValue(id) is { } hex) common.Add(Attr(AttributeId.Id, Hex(hex)));
            var secret = new List<ProtoAttribute>(common);
            if (p.GetValue(nonExtractable)) secret.Add(Attr(AttributeId.Extractable, [0]));
            if (p.GetValue(wrapWithTrusted)) secret.Add(Attr(AttributeId.WrapWithTrusted, [1]));
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
                    return new JsonObject { ["handle"] = handle };
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
                    return new JsonObject { ["private"] = priv, ["public"] = pub };
                }
                default:
                    throw Usage("Key types: aes, generic, rsa, ec, ed25519.");
            }
        }, r => r.ContainsKey("handle") ? $"handle {r["handle"]}" : $"private {r["private"]} public {r["public"]}");
    }

    private static Command List()
    {
        var type = new Option<string?>("--type") { Description = "Only keys of this type: aes, generic, rsa, ec or ed25519." };
        var cls = new Option<string?>("--class") { Description = "Only keys of this class: secret, private or public." };
        var limit = new Option<int?>("--limit") { Description = "At most this many keys (default 1000)." };
        var after = new Option<ulong?>("--after") { Description = "Only keys after this handle (the last handle of the previous page)." };
        return UserCommands.Make("list", "List the keys you own or that are shared with you.", [Label, type, cls, limit, after], CoreUserType.CU, async (c, p) =>
        {
            var request = new FindKeysRequest { Limit = p.GetValue(limit) ?? 0, AfterHandle = p.GetValue(after) ?? 0 };
            if (p.GetValue(Label) is { } label) request.Label = label;
            if (p.GetValue(type) is { } t)
            {
                request.KeyType = (ulong)(ParseType(t) ?? throw Usage("Key types: aes, generic, rsa, ec, ed25519."));
            }
            if (p.GetValue(cls) is { } k)
            {
                request.ObjectClass = k.ToLowerInvariant() switch
                {
                    "secret" => (ulong)ObjectClass.SecretKey,
                    "private" => (ulong)ObjectClass.PrivateKey,
                    "public" => (ulong)ObjectClass.PublicKey,
                    _ => throw Usage("Classes: secret, private, public."),
                };
            }
            var keys = new JsonArray();
            foreach (var info in await c.FindKeysAsync(request)) keys.Add(Describe(info));
            return new JsonObject { ["keys"] = keys };
        }, r => string.Join(Environment.NewLine,
            new[] { $"{"handle",-11} {"class",-8} {"type",-8} {"owner",-16} {"kcv",-7} label" }
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

    private static AttributeId ParseAttribute(string name)
    {
        if (AttributeNames.TryGetValue(name, out var id)) return id;
        var number = name.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(name.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var h) ? h : (ulong?)null
            : ulong.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var d) ? d : null;
        return number is { } n ? (AttributeId)n : throw Usage($"Unknown attribute {name}.");
    }

    private static KeyType? ParseType(string name) => name.ToLowerInvariant() switch
    {
        "aes" => KeyType.Aes,
        "generic" => KeyType.GenericSecret,
        "rsa" => KeyType.Rsa,
        "ec" => KeyType.Ec,
        "ed25519" => KeyType.EcEdwards,
        _ => null,
    };

    private static string TypeName(ulong type) => (KeyType)type switch
    {
        KeyType.Aes => "aes",
        KeyType.GenericSecret => "generic",
        KeyType.Rsa => "rsa",
        KeyType.Ec => "ec",
        KeyType.EcEdwards => "ed25519",
        _ => type.ToString(CultureInfo.InvariantCulture),
    };

    private static string ClassName(ulong objectClass) => (ObjectClass)objectClass switch
    {
        ObjectClass.SecretKey => "secret",
        ObjectClass.PrivateKey => "private",
        ObjectClass.PublicKey => "public",
        _ => objectClass.ToString(CultureInfo.InvariantCulture),
    };

    private static JsonObject Describe(KeyInfo info)
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
        };
        if (info.CreatedAt is not null) result["created"] = info.CreatedAt.ToDateTimeOffset().ToString("O", CultureInfo.InvariantCulture);
        return result;
    }

    private static string Row(JsonObject k)
    {
        var shares = k["shares"]!.AsArray();
        var shared = shares.Count > 0 ? $" (shared with {string.Join(", ", shares.Select(s => s!.ToString()))})" : "";
        return $"{k["handle"],-11} {k["class"],-8} {k["type"],-8} {k["owner"],-16} {k["kcv"],-7} {k["label"]}{shared}";
    }

    private static ProtoAttribute Attr(AttributeId id, byte[] value) => new() { Id = (ulong)id, Value = ByteString.CopyFrom(value) };

    private static byte[] Hex(string hex)
    {
        try
        {
            return Convert.FromHexString(hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? hex[2..] : hex);
        }
        catch (FormatException)
        {
            throw Usage("--id takes hex digits.");
        }
    }

    private static CliException Usage(string message) => new("RET_INVALID_INPUT", message);
}
