using System.CommandLine;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using CloudHsm.Cli.Support;
using CloudHsm.Core.Keys;
using CloudHsm.Protocol.V1;
using Google.Protobuf;
using static CloudHsm.Cli.Commands.KeyCommands;
using CoreUserType = CloudHsm.Core.Users.UserType;

namespace CloudHsm.Cli.Commands;

/// <summary>
/// `cloudhsm key wrap|unwrap|export|import|derive|mask|unmask`: keys in and out of the partition,
/// always under the partition's rules (the node refuses what they forbid; the CLI only shapes requests).
/// Files written hold key material, wrapped or not: they are made 0600.
/// </summary>
internal static class KeyTransferCommands
{
    private static readonly Option<string> Mechanism = new("--mechanism")
    {
        Description = $"Wrap mechanism: {MechanismNames.Names(MechanismUse.Wrap)}; or a CKM number.",
        Required = true,
    };
    private static readonly Option<string?> OaepHash = new("--oaep-hash") { Description = "RSA-OAEP and RSA-AES: the OAEP hash, sha1 (default) or sha256, sha384, sha512." };
    private static readonly Option<string?> Aad = new("--aad") { Description = "AES-GCM: additional authenticated data in hex, bound to the wrapped key." };
    private static readonly Option<string> Out = new("--out") { Description = "File to write ('-' for standard output).", Required = true };
    private static readonly Option<string> InFile = new("--file") { Description = "File to read ('-' for standard input).", Required = true };

    public static IEnumerable<Command> Create()
    {
        yield return Wrap();
        yield return Unwrap();
        yield return Export();
        yield return Import();
        yield return Derive();
        yield return Mask();
        yield return Unmask();
    }

    private static Command Wrap()
    {
        var wrappingKey = new Option<ulong>("--wrapping-key") { Description = "Handle of the wrapping key (AES; RSA public for rsa-oaep and rsa-aes).", Required = true };
        return UserCommands.Make("wrap", "Wrap a key you own under a wrapping key and write the wrapped bytes.",
            [Handle, wrappingKey, Mechanism, OaepHash, Aad, Out], CoreUserType.CU, async (c, p) =>
        {
            var handle = p.GetValue(Handle);
            var wrapped = await c.WrapKeyAsync(handle, p.GetValue(wrappingKey), MechanismNames.Parse(p.GetValue(Mechanism)!, MechanismUse.Wrap), Parameters(p));
            return await WrittenAsync(p, wrapped, new JsonObject { ["handle"] = handle });
        }, Summary);
    }

    private static Command Unwrap()
    {
        var unwrappingKey = new Option<ulong>("--unwrapping-key") { Description = "Handle of the unwrapping key (AES; RSA private for rsa-oaep and rsa-aes).", Required = true };
        var cls = new Option<string>("--class") { Description = "What the wrapped bytes are: secret or private.", Required = true };
        var type = new Option<string?>("--type") { Description = "A secret key's type: aes (default) or generic." };
        return UserCommands.Make("unwrap", "Unwrap a wrapped key into a new key you own.",
            [InFile, unwrappingKey, Mechanism, cls, type, Label, Id, NonExtractable, Session, OaepHash, Aad], CoreUserType.CU, async (c, p) =>
        {
            var objectClass = ParseClass(p.GetValue(cls)!, ObjectClass.SecretKey, ObjectClass.PrivateKey);
            var keyType = objectClass == ObjectClass.SecretKey ? ParseSecretType(p.GetValue(type)) : 0;
            var wrapped = await DataFiles.ReadAsync(p.GetValue(InFile)!);
            var handle = await c.UnwrapKeyAsync(p.GetValue(unwrappingKey), MechanismNames.Parse(p.GetValue(Mechanism)!, MechanismUse.Wrap), wrapped,
                (ulong)objectClass, (ulong)keyType, SecretTemplate(p), Parameters(p));
            return new JsonObject { ["handle"] = handle };
        }, r => $"handle {r["handle"]}");
    }

    private static Command Export()
    {
        var wrappingKey = new Option<ulong?>("--wrapping-key")
        {
            Description = "Private keys: the key whose wrap rules the export follows (it must be allowed to wrap this key).",
        };
        return UserCommands.Make("export", "Write a public key (PEM), or a private key as PKCS#8 PEM under the rules of a wrapping key.",
            [Handle, wrappingKey, Out], CoreUserType.CU, async (c, p) =>
        {
            var handle = p.GetValue(Handle);
            var info = await c.GetKeyInfoAsync(handle);
            string pem;
            switch ((ObjectClass)info.ObjectClass)
            {
                case ObjectClass.PublicKey:
                    pem = await c.ExportPublicKeyAsync(handle);
                    break;
                case ObjectClass.PrivateKey:
                    var wrapping = p.GetValue(wrappingKey) ?? throw Usage("A private key leaves only under the rules of a wrapping key: give --wrapping-key.");
                    pem = await c.ExportPrivateKeyAsync(handle, wrapping);
                    break;
                default:
                    throw new CliException("RET_KEY_TYPE_INCONSISTENT", "Secret keys leave only wrapped: use `cloudhsm key wrap`.");
            }
            var bytes = Encoding.ASCII.GetBytes(pem.EndsWith('\n') ? pem : pem + "\n");
            try
            {
                return await WrittenAsync(p, bytes, new JsonObject { ["handle"] = handle, ["class"] = ClassName(info.ObjectClass) });
            }
            finally
            {
                CryptographicOperations.ZeroMemory(bytes);
            }
        }, Summary);
    }

    private static Command Import()
    {
        var kek = new Option<ulong?>("--kek") { Description = "Private and secret keys: a key-encryption key a CO marked TRUSTED." };
        var cls = new Option<string?>("--class") { Description = "With --kek: private (PKCS#8 PEM or DER) or secret (the raw key bytes)." };
        var type = new Option<string?>("--type") { Description = "A secret key's type: aes (default) or generic." };
        return UserCommands.Make("import",
            "Import a public key (PEM or DER), or with --kek a private or secret key in clear through a TRUSTED key-encryption key.",
            [InFile, kek, cls, type, Label, Id, NonExtractable, Session], CoreUserType.CU, async (c, p) =>
        {
            var data = await DataFiles.ReadAsync(p.GetValue(InFile)!);
            try
            {
                if (p.GetValue(kek) is not { } kekHandle)
                {
                    if (p.GetValue(cls) is { } given && ParseClass(given, ObjectClass.PublicKey, ObjectClass.PrivateKey, ObjectClass.SecretKey) != ObjectClass.PublicKey)
                    {
                        throw Usage("Private and secret keys come in only through a TRUSTED key-encryption key (--kek), or wrapped (`cloudhsm key unwrap`).");
                    }
                    if (p.GetValue(NonExtractable)) throw Usage("--non-extractable applies to private and secret keys.");
                    return new JsonObject { ["handle"] = await c.ImportPublicKeyAsync(data, CommonTemplate(p)), ["class"] = "public" };
                }
                var objectClass = ParseClass(p.GetValue(cls) ?? throw Usage("With --kek, say --class private or secret."), ObjectClass.PrivateKey, ObjectClass.SecretKey);
                var keyType = objectClass == ObjectClass.SecretKey ? ParseSecretType(p.GetValue(type)) : 0;
                var handle = await c.ImportKeyAsync(kekHandle, data, (ulong)objectClass, (ulong)keyType, SecretTemplate(p));
                return new JsonObject { ["handle"] = handle, ["class"] = ClassName((ulong)objectClass) };
            }
            finally
            {
                CryptographicOperations.ZeroMemory(data);
            }
        }, r => $"handle {r["handle"]}");
    }

    private static Command Derive()
    {
        var baseKey = new Option<ulong>("--base") { Description = "Handle of the base key (EC private for ecdh; secret for sp800-108).", Required = true };
        var mechanism = new Option<string>("--mechanism") { Description = "ecdh or sp800-108 (counter mode), or a CKM number.", Required = true };
        var peer = new Option<string?>("--peer-public") { Description = "ecdh: the other party's public key (PEM or DER SubjectPublicKeyInfo file)." };
        var labelData = new Option<string?>("--label-data") { Description = "sp800-108: the KDF label in hex." };
        var context = new Option<string?>("--context") { Description = "sp800-108: the KDF context in hex." };
        var prf = new Option<string?>("--prf") { Description = "sp800-108: hmac-sha256 (default), hmac-sha384 or hmac-sha512." };
        var type = new Option<string>("--type") { Description = "The derived key's type: aes or generic.", Required = true };
        var size = new Option<int>("--size") { Description = "The derived key's length in bytes.", Required = true };
        return UserCommands.Make("derive", "Derive a new secret key (ECDH, or the SP 800-108 counter KDF).",
            [baseKey, mechanism, peer, labelData, context, prf, type, size, Label, Id, NonExtractable, Session], CoreUserType.CU, async (c, p) =>
        {
            var request = new DeriveKeyRequest
            {
                BaseHandle = p.GetValue(baseKey),
                Mechanism = MechanismNames.Parse(p.GetValue(mechanism)!, MechanismUse.Derive),
                KeyType = (ulong)ParseSecretType(p.GetValue(type)),
                LengthBytes = p.GetValue(size),
            };
            if (p.GetValue(peer) is { } file) request.PublicData = ByteString.CopyFrom(DataFiles.DerFromPem(await DataFiles.ReadAsync(file), "PUBLIC KEY"));
            if (p.GetValue(labelData) is { } l) request.Label = ByteString.CopyFrom(DataFiles.Hex(l, "--label-data"));
            if (p.GetValue(context) is { } x) request.Context = ByteString.CopyFrom(DataFiles.Hex(x, "--context"));
            if (p.GetValue(prf) is { } f) request.Prf = MechanismNames.Parse(f, MechanismUse.Sign);
            request.Template.AddRange(SecretTemplate(p));
            return new JsonObject { ["handle"] = await c.DeriveKeyAsync(request) };
        }, r => $"handle {r["handle"]}");
    }

    private static Command Mask() =>
        UserCommands.Make("mask", "Write a key you own, with its attributes, owner and shares, as a masked object (opens only in this partition).",
            [Handle, Out], CoreUserType.CU, async (c, p) =>
        {
            var handle = p.GetValue(Handle);
            return await WrittenAsync(p, await c.ExtractMaskedObjectAsync(handle), new JsonObject { ["handle"] = handle });
        }, Summary);

    private static Command Unmask() =>
        UserCommands.Make("unmask", "Bring a masked object back in, under a new handle.", [InFile], CoreUserType.CU, async (c, p) =>
            new JsonObject { ["handle"] = await c.InsertMaskedObjectAsync(await DataFiles.ReadAsync(p.GetValue(InFile)!)) },
            r => $"handle {r["handle"]}");

    private static WrapParameters Parameters(ParseResult p)
    {
        var parameters = new WrapParameters();
        if (p.GetValue(OaepHash) is { } hash) parameters.OaepHash = MechanismNames.ParseHash(hash, "--oaep-hash");
        if (p.GetValue(Aad) is { } aad) parameters.Aad = ByteString.CopyFrom(DataFiles.Hex(aad, "--aad"));
        return parameters;
    }

    /// <summary>Writes the bytes to --out; with '-', standard output carries only them and the summary goes to standard error.</summary>
    private static async Task<JsonObject> WrittenAsync(ParseResult p, byte[] data, JsonObject result)
    {
        var path = p.GetValue(Out)!;
        if (path == DataFiles.Standard) Console.SetOut(Console.Error);
        await DataFiles.WriteAsync(path, data);
        result["file"] = path;
        result["bytes"] = data.Length;
        return result;
    }

    private static string Summary(JsonObject r) =>
        $"key {r["handle"]}: wrote {r["bytes"]} bytes to {(r["file"]!.ToString() == DataFiles.Standard ? "standard output" : r["file"])}";
}
