using System.Security.Cryptography;
using System.Text;
using CloudHsm.Cli.Support;

namespace CloudHsm.Cli.Util;

/// <summary>
/// importPrivateKey's input: PKCS#8 ("PRIVATE KEY" PEM, or DER) goes to the node as it is; the older
/// PEM forms openssl still writes ("RSA PRIVATE KEY", "EC PRIVATE KEY") are turned into PKCS#8 here.
/// The file is already in clear on this machine; the copies made here are wiped.
/// </summary>
internal static class PrivateKeyFile
{
    public static byte[] ToPkcs8(byte[] file)
    {
        var text = Encoding.ASCII.GetString(file);
        if (!PemEncoding.TryFind(text, out var fields)) return file;
        var label = text[fields.Label];
        if (label == "PRIVATE KEY") return file;
        if (label.StartsWith("ENCRYPTED", StringComparison.Ordinal))
        {
            throw new CliException("RET_INVALID_INPUT", "The key file is encrypted; decrypt it first (openssl pkey -in FILE -out PLAIN.pem).");
        }
        var der = Convert.FromBase64String(text[fields.Base64Data]);
        try
        {
            switch (label)
            {
                case "RSA PRIVATE KEY":
                {
                    using var rsa = RSA.Create();
                    rsa.ImportRSAPrivateKey(der, out _);
                    return rsa.ExportPkcs8PrivateKey();
                }
                case "EC PRIVATE KEY":
                {
                    using var ec = ECDsa.Create();
                    ec.ImportECPrivateKey(der, out _);
                    return ec.ExportPkcs8PrivateKey();
                }
                default:
                    throw new CliException("RET_INVALID_INPUT", $"A \"{label}\" PEM block is not a private key this command imports.");
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
        }
    }
}
