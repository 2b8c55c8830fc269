using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CloudHsm.IntegrationTests.Harness;

namespace CloudHsm.Pkcs11.Tests;

/// <summary>
/// nginx serves HTTPS with its private key in the HSM (ssl_engine pkcs11, the key as an engine: URI),
/// with its usual master and worker processes; curl fetches a page and checks the certificate.
/// </summary>
[Collection(ModuleCollection.Name)]
public sealed class NginxTests(ModuleFixture module)
{
    private const string Host = "hsm.example.test";
    private const string Page = "served with a key that never left the HSM\n";

    [Theory]
    [InlineData("EC:prime256v1")]
    [InlineData("rsa:2048")] // TLS 1.3 and 1.2 sign with RSA-PSS
    public async Task ServesHttpsWithItsKeyInTheHsm(string keyType)
    {
        var engine = await OpenSslEngine.CreateAsync(module, "nginx");
        var label = "nginx-" + Guid.NewGuid().ToString("N")[..8];
        await engine.GenerateKeyAsync(label, keyType);
        var certificate = await engine.SelfSignedCertificateAsync(label, Host);

        var prefix = engine.PathOf("nginx");
        foreach (var dir in new[] { "logs", "html", "tmp" }) Directory.CreateDirectory(Path.Combine(prefix, dir));
        await File.WriteAllTextAsync(Path.Combine(prefix, "html", "index.html"), Page);
        var port = FreeLoopbackPort();
        var config = (await File.ReadAllTextAsync(ClientProgram.File("nginx.conf")))
            .Replace("@USER@", Environment.UserName, StringComparison.Ordinal)
            .Replace("@PORT@", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("@HOST@", Host, StringComparison.Ordinal)
            .Replace("@CERT@", certificate, StringComparison.Ordinal)
            .Replace("@KEY_URI@", engine.PrivateKeyUri(label), StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(prefix, "nginx.conf"), config);

        // Debian puts nginx in /usr/sbin, which is not on every user's PATH.
        var program = File.Exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx";
        var psi = ClientProgram.StartInfo(module, program, prefix,
            ["-p", prefix, "-c", "nginx.conf", "-e", Path.Combine(prefix, "logs", "error.log"), "-g", "daemon off;"],
            new Dictionary<string, string> { ["OPENSSL_CONF"] = engine.ConfigPath });
        using var nginx = Process.Start(psi)!;
        var nginxOutput = nginx.StandardError.ReadToEndAsync();
        _ = nginx.StandardOutput.ReadToEndAsync();
        try
        {
            await WaitUntilListeningAsync(nginx, port, () => Log(prefix, nginxOutput));

            foreach (var tls in new[] { "--tlsv1.3", "--tls-max" })
            {
                string[] version = tls == "--tls-max" ? ["--tls-max", "1.2"] : [tls];
                var page = await CurlAsync(prefix, [.. version, "--cacert", certificate], port);
                Assert.True(page.ExitCode == 0, $"curl {tls}: {page}\n{Log(prefix, nginxOutput)}");
                Assert.Equal(Page, page.Stdout);
            }

            // The certificate check is real: without the self-signed certificate as the trust anchor curl refuses.
            var untrusted = await CurlAsync(prefix, [], port);
            Assert.Equal(60, untrusted.ExitCode); // CURLE_PEER_FAILED_VERIFICATION
        }
        finally
        {
            if (!nginx.HasExited) nginx.Kill(entireProcessTree: true);
            await nginx.WaitForExitAsync();
        }
    }

    private Task<CliResult> CurlAsync(string directory, string[] options, int port) =>
        ClientProgram.RunAsync(module, "curl", directory,
            ["--silent", "--show-error", "--max-time", "30", "--resolve", $"{Host}:{port}:127.0.0.1", .. options, $"https://{Host}:{port}/"]);

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitUntilListeningAsync(Process nginx, int port, Func<string> log)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(nginx.HasExited, $"nginx exited with {(nginx.HasExited ? nginx.ExitCode : 0)}:\n{log()}");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(200);
            }
        }
        Assert.Fail($"nginx did not listen on {port} within 60 s:\n{log()}");
    }

    private static string Log(string prefix, Task<string> stderr)
    {
        var errorLog = Path.Combine(prefix, "logs", "error.log");
        var text = File.Exists(errorLog) ? File.ReadAllText(errorLog) : "(no error.log)";
        return "--- nginx error.log\n" + text + (stderr.IsCompleted ? "\n--- nginx stderr\n" + stderr.Result : "");
    }
}
