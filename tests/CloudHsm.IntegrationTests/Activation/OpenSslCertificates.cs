using CloudHsm.IntegrationTests.Harness;

namespace CloudHsm.IntegrationTests.Activation;

/// <summary>
/// Certificates that are not the right ones, made with the real openssl: other owners, owners with
/// other keys, intermediate CAs, CSRs of other keys. Each writes NAME.key / NAME.crt (or NAME.csr)
/// into the given folder and returns the path of the certificate.
/// </summary>
internal static class OpenSslCertificates
{
    /// <summary>
    /// A self-signed CA (openssl req -x509 adds basicConstraints CA:TRUE).
    /// <paramref name="keyAlgorithm"/> is "rsa:BITS" or "ec:CURVE".
    /// </summary>
    public static async Task<string> SelfSignedCaAsync(string directory, string name, string keyAlgorithm = "rsa:2048",
        string subject = "/CN=Another Partition Owner", params string[] extraArgs)
    {
        await Tool.OpenSslAsync(directory, ["req", "-x509", .. NewKeyArguments(keyAlgorithm), "-nodes", "-keyout", name + ".key",
            "-out", name + ".crt", "-days", "365", "-subj", subject, .. extraArgs]);
        return Path.Combine(directory, name + ".crt");
    }

    /// <summary>A CA (CA:TRUE) issued by <paramref name="issuer"/>: a real CA certificate, but not self-signed.</summary>
    public static async Task<string> IntermediateCaAsync(string directory, string name, string issuer)
    {
        await File.WriteAllTextAsync(Path.Combine(directory, name + ".ext"),
            "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n");
        await ForeignCsrAsync(directory, name, "/CN=Intermediate Partition Owner");
        await Tool.OpenSslAsync(directory, "x509", "-req", "-in", name + ".csr", "-CA", issuer + ".crt", "-CAkey", issuer + ".key",
            "-CAcreateserial", "-out", name + ".crt", "-days", "365", "-sha256", "-extfile", name + ".ext");
        return Path.Combine(directory, name + ".crt");
    }

    /// <summary>A CSR of a fresh RSA-2048 key that is not the partition's.</summary>
    public static async Task<string> ForeignCsrAsync(string directory, string name, string subject = "/CN=Not This Partition")
    {
        await Tool.OpenSslAsync(directory, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key",
            "-out", name + ".csr", "-subj", subject);
        return Path.Combine(directory, name + ".csr");
    }

    /// <summary>Signs a CSR with the CA NAME.crt/NAME.key as the README's openssl x509 -req step does.</summary>
    public static async Task<string> SignAsync(string directory, string csrPath, string caCertificate, string caKey, string outName)
    {
        await Tool.OpenSslAsync(directory, "x509", "-req", "-in", csrPath, "-CA", caCertificate, "-CAkey", caKey,
            "-CAcreateserial", "-out", outName, "-days", "365", "-sha256");
        return Path.Combine(directory, outName);
    }

    private static string[] NewKeyArguments(string keyAlgorithm) => keyAlgorithm.Split(':') switch
    {
        ["rsa", var bits] => ["-newkey", "rsa:" + bits],
        ["ec", var curve] => ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:" + curve],
        _ => throw new ArgumentException($"unknown key algorithm {keyAlgorithm}", nameof(keyAlgorithm)),
    };
}
