using System.CommandLine;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using CloudHsm.Cli.Support;
using CloudHsm.Client;
using CloudHsm.Core.Keys;
using CloudHsm.Core.Mechanisms;
using Google.Protobuf;
using CoreUserType = CloudHsm.Core.Users.UserType;
using ProtoCipherParameters = CloudHsm.Protocol.V1.CipherParameters;

namespace CloudHsm.Cli.Commands;

/// <summary>
/// `cloudhsm crypto sign|verify|encrypt|decrypt|digest|random`: operations with keys as a CU.
/// Data is read from --in and results written to --out as raw bytes ('-' is standard input or
/// output; then the summary goes to standard error); without --out a result is printed in hex.
/// </summary>
internal static class CryptoCommands
{
    private static readonly Option<ulong> Handle = new("--handle") { Description = "Key handle.", Required = true };
    private static readonly Option<string> In = new("--in") { Description = "Input file ('-' for standard input).", Required = true };
    private static readonly Option<string?> Out = new("--out") { Description = "Output file for the raw result ('-' for standard output); without it the result is printed in hex." };
    private static readonly Option<string?> Iv = new("--iv") { Description = "IV, GCM nonce or CTR counter block in hex (GCM: omit it and the HSM makes one)." };
    private static readonly Option<string?> Aad = new("--aad") { Description = "AES-GCM additional authenticated data in hex." };
    private static readonly Option<int?> TagLength = new("--tag-length") { Description = "AES-GCM tag bytes, 12..16 (default 16)." };
    private static readonly Option<int?> CounterBits = new("--counter-bits") { Description = "AES-CTR counter bits (default 128)." };
    private static readonly Option<string?> OaepHash = new("--oaep-hash") { Description = "RSA-OAEP hash: sha1 (default), sha256, sha384 or sha512." };
    private static readonly Option<string> SignatureFormat = new("--signature-format")
    {
        Description = "ECDSA signatures: raw (r||s, as PKCS#11) or der (as openssl and X.509).",
        DefaultValueFactory = _ => "raw",
    };

    private static readonly Dictionary<string, int> EcCoordinateBytes = new(StringComparer.Ordinal)
    {
        ["1.2.840.10045.3.1.7"] = 32,
        ["1.3.132.0.34"] = 48,
        ["1.3.132.0.35"] = 66,
        ["1.3.132.0.10"] = 32,
    };

    public static Command Create()
    {
        var crypto = new Command("crypto", "Sign, verify, encrypt, decrypt with keys in the partition; digest; random bytes (log in as a CU).");
        crypto.Subcommands.Add(Sign());
        crypto.Subcommands.Add(Verify());
        crypto.Subcommands.Add(Encrypt());
        crypto.Subcommands.Add(Decrypt());
        crypto.Subcommands.Add(Digest());
        crypto.Subcommands.Add(Random());
        return crypto;
    }

    private static Option<string> MechanismOption(MechanismUse use, string? defaultName = null)
    {
        var option = new Option<string>("--mechanism") { Description = $"Mechanism: {MechanismNames.Names(use)}; or a CKM number (0x...)." };
        if (defaultName is null) option.Required = true;
        else option.DefaultValueFactory = _ => defaultName;
        return option;
    }

    private static Command Sign()
    {
        var mechanism = MechanismOption(MechanismUse.Sign);
        return Make("sign", "Sign data (ecdsa: the data is already a digest).", [Handle, mechanism, In, Out, SignatureFormat], async (c, p) =>
        {
            var handle = p.GetValue(Handle);
            var m = MechanismNames.Parse(p.GetValue(mechanism)!, MechanismUse.Sign);
            var der = DerSignatures(p, m);
            var signature = await c.SignAsync(handle, m, await DataFiles.ReadAsync(p.GetValue(In)!));
            if (der) signature = RawToDer(signature);
            return await EmitAsync(p, signature, "signature", new JsonObject { ["handle"] = handle, ["mechanism"] = m });
        });
    }

    private static Command Verify()
    {
        var mechanism = MechanismOption(MechanismUse.Sign);
        var signatureFile = new Option<string>("--signature") { Description = "Signature file (raw bytes).", Required = true };
        return Make("verify", "Verify a signature; exits 1 with RET_SIGNATURE_INVALID when it does not verify.",
            [Handle, mechanism, In, signatureFile, SignatureFormat], async (c, p) =>
        {
            var handle = p.GetValue(Handle);
            var m = MechanismNames.Parse(p.GetValue(mechanism)!, MechanismUse.Sign);
            var signature = await DataFiles.ReadAsync(p.GetValue(signatureFile)!);
            if (DerSignatures(p, m)) signature = DerToRaw(signature, await CoordinateBytesAsync(c, handle));
            var valid = await c.VerifyAsync(handle, m, await DataFiles.ReadAsync(p.GetValue(In)!), signature);
            if (!valid) throw new CliException("RET_SIGNATURE_INVALID", "The signature does not verify under this key and mechanism.");
            return new JsonObject { ["result"] = "signature valid", ["valid"] = true, ["handle"] = handle };
        });
    }

    private static Command Encrypt()
    {
        var mechanism = MechanismOption(MechanismUse.Cipher);
        var ivOut = new Option<string?>("--iv-out") { Description = "Also write the IV used (the one the HSM made, for GCM without --iv) to this file." };
        return Make("encrypt", "Encrypt data (aes-gcm: ciphertext then tag).", [Handle, mechanism, In, Out, Iv, Aad, TagLength, CounterBits, OaepHash, ivOut], async (c, p) =>
        {
            var handle = p.GetValue(Handle);
            var m = MechanismNames.Parse(p.GetValue(mechanism)!, MechanismUse.Cipher);
            var plaintext = await DataFiles.ReadAsync(p.GetValue(In)!);
            try
            {
                var (ciphertext, iv) = await c.EncryptAsync(handle, m, plaintext, Parameters(p, await IvAsync(p, null)));
                var result = new JsonObject { ["handle"] = handle, ["mechanism"] = m };
                if (iv.Length > 0) result["iv"] = Convert.ToHexStringLower(iv);
                if (p.GetValue(ivOut) is { } ivFile) await DataFiles.WriteAsync(ivFile, iv);
                return await EmitAsync(p, ciphertext, "data", result);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(plaintext);
            }
        });
    }

    private static Command Decrypt()
    {
        var mechanism = MechanismOption(MechanismUse.Cipher);
        var ivFile = new Option<string?>("--iv-file") { Description = "Read the IV from this file (as written by encrypt --iv-out) instead of --iv." };
        return Make("decrypt", "Decrypt data (aes-gcm: ciphertext then tag; the IV with --iv or --iv-file).",
            [Handle, mechanism, In, Out, Iv, ivFile, Aad, TagLength, CounterBits, OaepHash], async (c, p) =>
        {
            var handle = p.GetValue(Handle);
            var m = MechanismNames.Parse(p.GetValue(mechanism)!, MechanismUse.Cipher);
            var ciphertext = await DataFiles.ReadAsync(p.GetValue(In)!);
            var plaintext = await c.DecryptAsync(handle, m, ciphertext, Parameters(p, await IvAsync(p, p.GetValue(ivFile))));
            try
            {
                return await EmitAsync(p, plaintext, "data", new JsonObject { ["handle"] = handle, ["mechanism"] = m });
            }
            finally
            {
                CryptographicOperations.ZeroMemory(plaintext);
            }
        });
    }

    private static Command Digest()
    {
        var mechanism = MechanismOption(MechanismUse.Digest, "sha256");
        return Make("digest", "Hash data in the HSM.", [mechanism, In, Out], async (c, p) =>
        {
            var m = MechanismNames.Parse(p.GetValue(mechanism)!, MechanismUse.Digest);
            var digest = await c.DigestAsync(m, await DataFiles.ReadAsync(p.GetValue(In)!));
            return await EmitAsync(p, digest, "digest", new JsonObject { ["mechanism"] = m });
        });
    }

    private static Command Random()
    {
        var length = new Option<int>("--length") { Description = "Number of random bytes.", Required = true };
        return Make("random", "Random bytes from the HSM.", [length, Out], async (c, p) =>
            await EmitAsync(p, await c.GenerateRandomAsync(p.GetValue(length)), "data", new JsonObject()));
    }

    /// <summary>A crypto subcommand: implicit CU login; when the data goes to standard output, the summary goes to standard error.</summary>
    private static Command Make(string name, string description, Option[] options, Func<HsmClient, ParseResult, Task<JsonObject>> action) =>
        UserCommands.Make(name, description, options, CoreUserType.CU, (c, p) =>
        {
            if (p.GetValue(Out) == DataFiles.Standard) Console.SetOut(Console.Error);
            return action(c, p);
        }, Human);

    /// <summary>Writes the result to --out, or puts it in hex into the summary under <paramref name="field"/>.</summary>
    private static async Task<JsonObject> EmitAsync(ParseResult p, byte[] data, string field, JsonObject result)
    {
        result["bytes"] = data.Length;
        if (p.GetValue(Out) is { } path)
        {
            await DataFiles.WriteAsync(path, data);
            result["file"] = path;
        }
        else
        {
            result[field] = Convert.ToHexStringLower(data);
        }
        return result;
    }

    private static string Human(JsonObject r)
    {
        if (r["result"] is { } text) return text.ToString();
        var iv = r["iv"] is { } v ? $"iv {v}" : null;
        if (r["file"] is { } file)
        {
            var where = file.ToString() == DataFiles.Standard ? "standard output" : file.ToString();
            return $"wrote {r["bytes"]} bytes to {where}" + (iv is null ? "" : $"; {iv}");
        }
        var value = (r["signature"] ?? r["digest"] ?? r["data"])!.ToString();
        return iv is null ? value : $"{value}{Environment.NewLine}{iv}";
    }

    private static async Task<byte[]?> IvAsync(ParseResult p, string? ivFile)
    {
        if (p.GetValue(Iv) is { } hex)
        {
            if (ivFile is not null) throw KeyCommands.Usage("Give the IV once: --iv or --iv-file.");
            return DataFiles.Hex(hex, "--iv");
        }
        return ivFile is null ? null : await DataFiles.ReadAsync(ivFile);
    }

    private static ProtoCipherParameters Parameters(ParseResult p, byte[]? iv)
    {
        var parameters = new ProtoCipherParameters
        {
            TagLength = p.GetValue(TagLength) ?? 0,
            CounterBits = p.GetValue(CounterBits) ?? 0,
        };
        if (iv is not null) parameters.Iv = ByteString.CopyFrom(iv);
        if (p.GetValue(Aad) is { } aad) parameters.Aad = ByteString.CopyFrom(DataFiles.Hex(aad, "--aad"));
        if (p.GetValue(OaepHash) is { } hash) parameters.OaepHash = MechanismNames.ParseHash(hash, "--oaep-hash");
        return parameters;
    }

    /// <summary>True when --signature-format der applies; refused for mechanisms other than ECDSA.</summary>
    private static bool DerSignatures(ParseResult p, ulong mechanism)
    {
        switch (p.GetValue(SignatureFormat)!.ToLowerInvariant())
        {
            case "raw":
                return false;
            case "der":
                return (MechanismId)mechanism is MechanismId.Ecdsa or MechanismId.EcdsaSha224 or MechanismId.EcdsaSha256
                    or MechanismId.EcdsaSha384 or MechanismId.EcdsaSha512
                    ? true : throw KeyCommands.Usage("--signature-format der is for ECDSA signatures.");
            default:
                throw KeyCommands.Usage("--signature-format: raw or der.");
        }
    }

    private static byte[] RawToDer(byte[] rs)
    {
        var half = rs.Length / 2;
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteIntegerUnsigned(rs.AsSpan(0, half));
            writer.WriteIntegerUnsigned(rs.AsSpan(half));
        }
        return writer.Encode();
    }

    private static byte[] DerToRaw(byte[] der, int coordinateBytes)
    {
        try
        {
            var reader = new AsnReader(der, AsnEncodingRules.DER);
            var sequence = reader.ReadSequence();
            var r = sequence.ReadIntegerBytes().Span.TrimStart((byte)0);
            var s = sequence.ReadIntegerBytes().Span.TrimStart((byte)0);
            sequence.ThrowIfNotEmpty();
            reader.ThrowIfNotEmpty();
            if (r.Length > coordinateBytes || s.Length > coordinateBytes) throw new CliException("RET_INVALID_INPUT", "The DER signature does not fit the key's curve.");
            var raw = new byte[2 * coordinateBytes];
            r.CopyTo(raw.AsSpan(coordinateBytes - r.Length));
            s.CopyTo(raw.AsSpan(2 * coordinateBytes - s.Length));
            return raw;
        }
        catch (AsnContentException)
        {
            throw new CliException("RET_INVALID_INPUT", "The signature is not a DER ECDSA signature.");
        }
    }

    /// <summary>The coordinate length of an EC key's curve, from its EC_PARAMS.</summary>
    private static async Task<int> CoordinateBytesAsync(HsmClient client, ulong handle)
    {
        var info = await client.GetKeyInfoAsync(handle);
        var parameters = info.Attributes.FirstOrDefault(a => a.Id == (ulong)AttributeId.EcParams)?.Value.ToByteArray();
        string? oid = null;
        try
        {
            if (parameters is not null) oid = new AsnReader(parameters, AsnEncodingRules.DER).ReadObjectIdentifier();
        }
        catch (AsnContentException)
        {
            // not a named curve
        }
        return oid is not null && EcCoordinateBytes.TryGetValue(oid, out var bytes) ? bytes
            : throw new CliException("RET_KEY_TYPE_INCONSISTENT", "The key is not an EC key on a curve the CLI knows (p256, p384, p521, secp256k1).");
    }
}
