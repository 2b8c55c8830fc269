using System.Formats.Asn1;
using System.Numerics;
using CloudHsm.Client;
using CloudHsm.IntegrationTests.Harness;
using CloudHsm.Protocol.V1;

namespace CloudHsm.IntegrationTests.Keys;

/// <summary>Signatures made in the HSM verify with the openssl command line; openssl's RSA-OAEP decrypts in the HSM.</summary>
public sealed class OpenSslInteropTests
{
    private const string Password = "Crypto-User-2024!";

    [Fact]
    public async Task HsmSignaturesVerifyWithOpenssl_AndOpensslOaepDecryptsInTheHsm()
    {
        await using var p = await TestPartition.StartActivatedAsync();
        (await p.AsCoAsync("createUser", "CU", "alice", Password)).ShouldSucceed();
        using var alice = new HsmClient(ClientConfig.Load(p.ConfigPath));
        await alice.LoginAsync(UserType.Cu, "alice", Password);
        var dir = p.Directory;
        var data = "message signed inside the partition"u8.ToArray();
        await File.WriteAllBytesAsync(Path.Combine(dir, "data.bin"), data);

        // ECDSA P-256 with SHA-256: the HSM returns r||s; openssl wants DER.
        var (ecPrivate, ecPublic) = await alice.GenerateKeyPairAsync(0x03, "1.2.840.10045.3.1.7");
        await File.WriteAllTextAsync(Path.Combine(dir, "ec.pem"), await alice.ExportPublicKeyAsync(ecPublic));
        await File.WriteAllBytesAsync(Path.Combine(dir, "ec.sig"), ToDer(await alice.SignAsync(ecPrivate, 0x1044, data)));
        await Tool.OpenSslAsync(dir, "dgst", "-sha256", "-verify", "ec.pem", "-signature", "ec.sig", "data.bin");

        // RSA 2048 PKCS#1 v1.5 with SHA-256.
        var (rsaPrivate, rsaPublic) = await alice.GenerateKeyPairAsync(0x00, "2048");
        await File.WriteAllTextAsync(Path.Combine(dir, "rsa.pem"), await alice.ExportPublicKeyAsync(rsaPublic));
        await File.WriteAllBytesAsync(Path.Combine(dir, "rsa.sig"), await alice.SignAsync(rsaPrivate, 0x40, data));
        await Tool.OpenSslAsync(dir, "dgst", "-sha256", "-verify", "rsa.pem", "-signature", "rsa.sig", "data.bin");

        // Ed25519.
        var (edPrivate, edPublic) = await alice.GenerateKeyPairAsync(0x40, "");
        await File.WriteAllTextAsync(Path.Combine(dir, "ed.pem"), await alice.ExportPublicKeyAsync(edPublic));
        await File.WriteAllBytesAsync(Path.Combine(dir, "ed.sig"), await alice.SignAsync(edPrivate, 0x1057, data));
        await Tool.OpenSslAsync(dir, "pkeyutl", "-verify", "-pubin", "-inkey", "ed.pem", "-rawin", "-in", "data.bin", "-sigfile", "ed.sig");

        // A signature over other data does not verify: openssl fails, so the checks above can fail too.
        await File.WriteAllBytesAsync(Path.Combine(dir, "other.bin"), "another message"u8.ToArray());
        var wrong = await Tool.RunAsync("openssl", dir, "dgst", "-sha256", "-verify", "rsa.pem", "-signature", "rsa.sig", "other.bin");
        Assert.NotEqual(0, wrong.ExitCode);

        // openssl encrypts with RSA-OAEP (SHA-256) under the exported public key; the HSM decrypts.
        var secret = "a session key from outside"u8.ToArray();
        await File.WriteAllBytesAsync(Path.Combine(dir, "secret.bin"), secret);
        await Tool.OpenSslAsync(dir, "pkeyutl", "-encrypt", "-pubin", "-inkey", "rsa.pem", "-pkeyopt", "rsa_padding_mode:oaep",
            "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256", "-in", "secret.bin", "-out", "secret.oaep");
        var plaintext = await alice.DecryptAsync(rsaPrivate, 0x09, await File.ReadAllBytesAsync(Path.Combine(dir, "secret.oaep")),
            new CipherParameters { OaepHash = 0x250 });
        Assert.Equal(secret, plaintext);
    }

    private static byte[] ToDer(byte[] rs)
    {
        var half = rs.Length / 2;
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(new BigInteger(rs.AsSpan(0, half), isUnsigned: true, isBigEndian: true));
            writer.WriteInteger(new BigInteger(rs.AsSpan(half), isUnsigned: true, isBigEndian: true));
        }
        return writer.Encode();
    }
}
