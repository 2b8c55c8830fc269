using System.Security.Cryptography;
using CloudHsm.Cli.Support;
using CloudHsm.Core.Keys;
using CloudHsm.Protocol.V1;
using CloudHsm.Storage;
using Google.Protobuf;
using static CloudHsm.Cli.Util.UtilOption;

namespace CloudHsm.Cli.Util;

/// <summary>Keys in and out: public keys, private keys through a wrapping key or a trusted KEK, wrap/unwrap, masked objects.</summary>
internal static partial class UtilCommands
{
    private static string[] WrapNotes =>
    [
        "",
        "Wrapping mechanisms (-m), as the key_mgmt_util docs number them, and what they are here:",
        .. UtilMechanisms.Describe(UtilMechanisms.Wrapping),
        "Hash types (-t, for 7 RSA_AES and 8 RSA_OAEP):",
        .. UtilMechanisms.Describe(UtilMechanisms.Hashes),
    ];

    private static IEnumerable<UtilVerb> TransferVerbs() =>
    [
        new("exportPubKey", "Cfm3ExportPubKey", "Write a public key to a PEM file.",
            [Req("-k", "public key handle", "the public key"), Req("-out", "file", "the PEM file to write")],
            async (s, a) =>
            {
                var file = a.RequiredText("-out");
                await File.WriteAllTextAsync(file, WithFinalNewline(await s.Client.ExportPublicKeyAsync(a.Handle("-k"))));
                s.Say();
                s.Say($"PEM formatted public key is written to {file}");
                s.Success();
            }),
        new("importPubKey", "Cfm3CreatePublicKey", "Import a public key from a PEM (or DER) SubjectPublicKeyInfo file.",
            [Req("-l", "label", "the key's label"), Req("-f", "file", "the public key file"),
             Flag("-sess", "a session key"), Opt("-id", "key ID", "the key's ID, as text"), .. Replication],
            async (s, a) =>
            {
                var handle = await s.Client.ImportPublicKeyAsync(await ReadFileAsync(a.RequiredText("-f")), CommonTemplate(a));
                s.Success();
                s.Say();
                s.Say($"Public Key Handle: {handle}");
            }),
        new("exportPrivateKey", "Cfm3WrapKey", "Write an extractable private key you own to a PEM file (PKCS#8), under the rules of a wrap with -w.",
            [Req("-k", "private key handle", "the private key"), Req("-w", "wrapping key handle", "a key you may wrap with (WRAP = 1; TRUSTED if the key is wrap-with-trusted)"),
             Req("-out", "file", "the PEM file to write (mode 0600)"), Opt("-m", "4", "4, NIST_AES_WRAP (the only value, as in key_mgmt_util)")],
            ExportPrivateKeyAsync),
        new("importPrivateKey", "Cfm3UnWrapKey", "Import a private key (PEM: PKCS#8, or RSA/EC PRIVATE KEY) through a key-encryption key a CO marked TRUSTED.",
            [Req("-l", "label", "the key's label"), Req("-f", "file", "the private key file"),
             Req("-w", "KEK handle", "a key you may use with UNWRAP = 1 that a CO marked TRUSTED (mgmt: setAttribute <handle> 134 1)"),
             Flag("-sess", "a session key"), Opt("-id", "key ID", "the key's ID, as text"),
             Opt("-u", "user ids", "share the new key with these CUs"), Opt("-m_value", "0..8", "only 0 here"), .. Replication],
            async (s, a) =>
            {
                var shares = await SharesAsync(s, a);
                var key = PrivateKeyFile.ToPkcs8(await ReadFileAsync(a.RequiredText("-f"), 64 * 1024));
                ulong handle;
                try
                {
                    handle = await s.Client.ImportKeyAsync(a.Handle("-w"), key, (ulong)ObjectClass.PrivateKey, 0, CommonTemplate(a));
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(key);
                }
                s.Success();
                s.Say();
                s.Say($"Private Key Unwrapped.  Key Handle: {handle}");
                await ShareAsync(s, handle, shares);
            }),
        new("imSymKey", "Cfm3UnWrapKey", "Import a symmetric key (raw bytes) through a key-encryption key a CO marked TRUSTED.",
            [Req("-f", "file", "the raw key bytes"), Req("-w", "KEK handle", "a trusted key-encryption key (as importPrivateKey)"),
             Req("-t", "key type", "16 GENERIC_SECRET or 31 AES"), Req("-l", "label", "the key's label"),
             Opt("-id", "key ID", "the key's ID, as text"), Flag("-sess", "a session key"), Opt("-u", "user ids", "share the new key with these CUs"), .. Replication],
            async (s, a) =>
            {
                var type = a.RequiredInt("-t") is var t && t is 16 or 31
                    ? (ulong)t : throw new CliException("RET_KEY_TYPE_INCONSISTENT", $"Key type {t} is not available here: use 16 (GENERIC_SECRET) or 31 (AES).");
                var shares = await SharesAsync(s, a);
                var key = await ReadFileAsync(a.RequiredText("-f"), 4096);
                ulong handle;
                try
                {
                    handle = await s.Client.ImportKeyAsync(a.Handle("-w"), key, (ulong)ObjectClass.SecretKey, type, CommonTemplate(a));
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(key);
                }
                s.Success();
                s.Say();
                s.Say($"Symmetric Key Unwrapped.  Key Handle: {handle}");
                await ShareAsync(s, handle, shares);
            }),
        new("wrapKey", "Cfm2WrapKey", "Write a secret or private key you own, wrapped (encrypted) under a wrapping key, to a file.",
            [Req("-k", "key handle", "the key to wrap (EXTRACTABLE = 1)"), Req("-w", "wrapping key handle", "an AES key, or an RSA public key for 7 and 8"),
             Req("-out", "file", "the file to write"), Req("-m", "mechanism", "see below"), Opt("-t", "hash type", "see below (default 3, SHA256)"),
             Opt("-aad", "file", "additional authenticated data for 10/11 (AES-GCM)"),
             Flag("-noheader", "write the wrapped bytes only (for other tools); unWrapKey then needs -noheader, -l, -kc and -kt")],
            WrapKeyAsync, Notes: WrapNotes),
        new("unWrapKey", "Cfm3UnWrapKey", "Bring a wrapped key in from a file; it becomes a key you own (LOCAL = 0).",
            [Req("-f", "file", "the wrapped key"), Req("-w", "unwrapping key handle", "an AES key, or an RSA private key for 7 and 8"),
             Req("-m", "mechanism", "as it was wrapped (see below)"), Opt("-t", "hash type", "as it was wrapped (default: the file's, else 3)"),
             Opt("-aad", "file", "the additional authenticated data of 10/11"),
             Flag("-noheader", "the file holds the wrapped bytes only (needs -l, -kc, -kt)"), Opt("-l", "label", "the new key's label (default: the file's)"),
             Opt("-id", "key ID", "the new key's ID (default: the file's)"), Opt("-kc", "key class", "with -noheader: 3 private, 4 secret"),
             Opt("-kt", "key type", "with -noheader: 0 RSA, 3 EC, 16 GENERIC_SECRET, 31 AES, 64 EC_EDWARDS"),
             Flag("-sess", "a session key"), Flag("-nex", "the new key is not extractable"), Opt("-u", "user ids", "share the new key with these CUs"),
             Opt("-m_value", "0..8", "only 0 here"), .. Replication],
            UnwrapKeyAsync, Notes: WrapNotes),
        new("extractMaskedObject", "Cfm3ExtractMaskedObject", "Write a key with all its metadata, encrypted under the partition's masking key, to a file.",
            [Req("-o", "key handle", "the key (extractable or not)"), Req("-out", "file", "the file to write")],
            async (s, a) =>
            {
                var file = a.RequiredText("-out");
                await File.WriteAllBytesAsync(file, await s.Client.ExtractMaskedObjectAsync(a.Handle("-o")));
                s.Say();
                s.Say($"Object was masked and written to file \"{file}\"");
                s.Success();
            }),
        new("insertMaskedObject", "Cfm3InsertMaskedObject", "Bring a masked object back into this partition (or one restored from its backup) as a new key.",
            [Req("-f", "file", "the masked object"), .. Replication],
            async (s, a) =>
            {
                var handle = await s.Client.InsertMaskedObjectAsync(await ReadFileAsync(a.RequiredText("-f")));
                s.Success();
                s.Say($"\tNew Key Handle: {handle}");
            }),
    ];

    private static async Task ExportPrivateKeyAsync(UtilShell s, UtilArgs a)
    {
        if (a.Int("-m") is { } m && m != 4) throw new CliException("RET_MECHANISM_INVALID", "exportPrivateKey takes only -m 4 (NIST_AES_WRAP).");
        var file = a.RequiredText("-out");
        var pem = await s.Client.ExportPrivateKeyAsync(a.Handle("-k"), a.Handle("-w"));
        SecureFile.WriteAllText(file, WithFinalNewline(pem));
        s.Success("Cfm3WrapKey");
        s.Success("Cfm3UnWrapHostKey");
        s.Say();
        s.Say($"PEM formatted private key is written to {file}");
    }

    private static async Task WrapKeyAsync(UtilShell s, UtilArgs a)
    {
        var handle = a.Handle("-k");
        var number = a.RequiredInt("-m");
        var mechanism = UtilMechanisms.WrapCkm(number);
        var hash = a.Int("-t") ?? UtilMechanisms.DefaultHash;
        var parameters = await WrapParametersAsync(a, number, hash);
        var header = a.Has("-noheader") ? null : await InfoAsync(s, handle);
        var wrapped = await s.Client.WrapKeyAsync(handle, a.Handle("-w"), mechanism, parameters);
        var file = a.RequiredText("-out");
        var bytes = header is null ? wrapped
            : new WrappedKeyFile(header.ObjectClass, header.KeyType, header.Label, header.Id.ToByteArray(), number, hash, wrapped).ToBytes();
        await File.WriteAllBytesAsync(file, bytes);
        s.Say();
        s.Say("Key Wrapped.");
        s.Say();
        s.Say($"Wrapped Key written to file \"{file}\" length {bytes.Length}");
        s.Success();
    }

    private static async Task UnwrapKeyAsync(UtilShell s, UtilArgs a)
    {
        var number = a.RequiredInt("-m");
        var mechanism = UtilMechanisms.WrapCkm(number);
        var content = await ReadFileAsync(a.RequiredText("-f"), 64 * 1024);
        WrappedKeyFile key;
        if (a.Has("-noheader"))
        {
            if (!a.Has("-l") || !a.Has("-kc") || !a.Has("-kt")) throw new UtilUsageException("-noheader needs -l, -kc and -kt: the file does not say what the key is.");
            key = new WrappedKeyFile((ulong)a.RequiredInt("-kc"), (ulong)a.RequiredInt("-kt"), a.RequiredText("-l"), [], number,
                a.Int("-t") ?? UtilMechanisms.DefaultHash, content);
        }
        else
        {
            if (!WrappedKeyFile.HasHeader(content))
            {
                throw new CliException("RET_INVALID_INPUT", "The file has no wrapKey header: give -noheader with -l, -kc and -kt.");
            }
            key = WrappedKeyFile.Parse(content);
            if (UtilMechanisms.WrapCkm(key.Mechanism) != mechanism)
            {
                throw new CliException("RET_MECHANISM_INVALID", $"The file was wrapped with -m {key.Mechanism}, not -m {number}.");
            }
        }
        if (key.ObjectClass is not ((ulong)ObjectClass.PrivateKey or (ulong)ObjectClass.SecretKey))
        {
            throw new CliException("RET_KEY_TYPE_INCONSISTENT", "Only private (3) and secret (4) keys are unwrapped.");
        }
        var shares = await SharesAsync(s, a);
        var template = new List<Protocol.V1.Attribute> { Attr(AttributeId.Label, System.Text.Encoding.UTF8.GetBytes(a.Text("-l") ?? key.Label)) };
        var id = a.Utf8("-id") ?? key.Id;
        if (id.Length > 0) template.Add(Attr(AttributeId.Id, id));
        if (a.Has("-sess")) template.Add(BoolAttr(AttributeId.Token, false));
        if (a.Has("-nex")) template.Add(BoolAttr(AttributeId.Extractable, false));
        var parameters = await WrapParametersAsync(a, number, a.Int("-t") ?? key.Hash);
        var handle = await s.Client.UnwrapKeyAsync(a.Handle("-w"), mechanism, key.Wrapped, key.ObjectClass, key.KeyType, template, parameters);
        s.Success();
        s.Say();
        s.Say($"Key Unwrapped.  Key Handle: {handle}");
        await ShareAsync(s, handle, shares);
    }

    /// <summary>PEM files end with a newline, as openssl writes them.</summary>
    private static string WithFinalNewline(string pem) => pem.EndsWith('\n') ? pem : pem + "\n";

    private static async Task<WrapParameters> WrapParametersAsync(UtilArgs a, int mechanism, int hash)
    {
        var parameters = new WrapParameters();
        if (UtilMechanisms.UsesRsa(mechanism)) parameters.OaepHash = UtilMechanisms.HashCkm(hash);
        else if (a.Has("-t")) throw new UtilUsageException("-t (hash type) goes with -m 7 (RSA_AES) or 8 (RSA_OAEP) only.");
        if (a.Text("-aad") is { } aad)
        {
            if (mechanism is not (10 or 11)) throw new UtilUsageException("-aad goes with -m 10 or 11 (AES-GCM) only.");
            parameters.Aad = ByteString.CopyFrom(await ReadFileAsync(aad, 64 * 1024));
        }
        return parameters;
    }
}
