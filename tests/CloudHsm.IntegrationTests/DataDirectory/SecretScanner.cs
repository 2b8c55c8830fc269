using System.Security.Cryptography;
using System.Text;

namespace CloudHsm.IntegrationTests.DataDirectory;

/// <summary>Byte patterns that must never be found in a data directory, and the search for them.</summary>
internal static class SecretScanner
{
    /// <summary>
    /// The DER prefix of an RSA PKCS#8 PrivateKeyInfo: version 0, AlgorithmIdentifier rsaEncryption
    /// with NULL parameters, then the OCTET STRING (long form) that holds the RSAPrivateKey.
    /// </summary>
    public static readonly byte[] RsaPkcs8Prefix =
        [0x02, 0x01, 0x00, 0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01, 0x05, 0x00, 0x04, 0x82];

    /// <summary>The start of a PKCS#1 RSAPrivateKey of 2048 bits: version 0, then a 257-byte modulus INTEGER.</summary>
    public static readonly byte[] RsaPkcs1Prefix2048 = [0x02, 0x01, 0x00, 0x02, 0x82, 0x01, 0x01, 0x00];

    /// <summary>A text in the two encodings a .NET program would write it in.</summary>
    public static IEnumerable<(string What, byte[] Pattern)> Text(string what, string text)
    {
        yield return ($"{what} (UTF-8)", Encoding.UTF8.GetBytes(text));
        yield return ($"{what} (UTF-16LE)", Encoding.Unicode.GetBytes(text));
    }

    /// <summary>Everything that would betray an RSA private key in PEM (PKCS#8 or PKCS#1): its DER, its PEM text, its private numbers.</summary>
    public static IEnumerable<(string What, byte[] Pattern)> PrivateKey(string what, string pemPath)
    {
        var pem = File.ReadAllText(pemPath);
        var fields = PemEncoding.Find(pem);
        var base64 = pem[fields.Base64Data];
        yield return ($"{what} DER", Convert.FromBase64String(base64));
        foreach (var p in Text($"{what} PEM text", pem.Trim())) yield return p;
        foreach (var p in Text($"{what} PEM first line", base64.Split('\n')[0].Trim())) yield return p;
        using var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        var parameters = rsa.ExportParameters(includePrivateParameters: true);
        yield return ($"{what} private exponent d", parameters.D!);
        yield return ($"{what} prime p", parameters.P!);
        yield return ($"{what} prime q", parameters.Q!);
    }

    /// <summary>Every occurrence of every pattern in every file under <paramref name="directory"/>, as readable lines.</summary>
    public static List<string> Find(string directory, IReadOnlyList<(string What, byte[] Pattern)> patterns)
    {
        var found = new List<string>();
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            byte[] content;
            try
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                content = copy.ToArray();
            }
            catch (FileNotFoundException)
            {
                continue; // a temporary file that went away while we listed
            }
            foreach (var (what, pattern) in patterns)
            {
                var at = content.AsSpan().IndexOf(pattern);
                if (at >= 0) found.Add($"{what} in {Path.GetRelativePath(directory, file)} at offset {at}");
            }
        }
        return found;
    }

    /// <summary>The names of the files under <paramref name="directory"/>, for failure messages.</summary>
    public static string Listing(string directory) =>
        string.Join(", ", Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Select(f => $"{Path.GetRelativePath(directory, f)} ({new FileInfo(f).Length} bytes)"));
}
