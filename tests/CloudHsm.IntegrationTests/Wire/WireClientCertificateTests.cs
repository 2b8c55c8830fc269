using System.Text.Json;
using CloudHsm.Client;
using CloudHsm.Client.Wire;
using CloudHsm.IntegrationTests.Harness;
using CloudHsm.Protocol.V1;
using static CloudHsm.IntegrationTests.Wire.WireKit;

namespace CloudHsm.IntegrationTests.Wire;

/// <summary>--require-client-cert holds on the wire transport as on gRPC: the same rule, from the same TLS handshake.</summary>
public sealed class WireClientCertificateTests
{
    [Fact]
    public async Task ANodeThatRequiresClientCertificatesServesTheWireOnlyToClientsWithOne()
    {
        await using var p = await TestPartition.StartActivatedAsync("--require-client-cert");
        using (var anonymous = p.Connect())
        {
            Refused("RET_CLIENT_CERTIFICATE_REQUIRED", () => anonymous.Call(GetPartitionInfo, new Empty(), PartitionInfo.Parser));
        }

        await Tool.OpenSslAsync(p.Directory, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "client.key",
            "-out", "client.csr", "-subj", "/CN=wire client");
        await File.WriteAllTextAsync(Path.Combine(p.Directory, "client.ext"), "extendedKeyUsage=clientAuth\n");
        await Tool.OpenSslAsync(p.Directory, "x509", "-req", "-in", "client.csr", "-CA", "PO.crt", "-CAkey", "PO.key",
            "-CAcreateserial", "-out", "client.crt", "-days", "30", "-sha256", "-extfile", "client.ext");
        var config = JsonSerializer.Deserialize<Dictionary<string, object>>(File.ReadAllText(p.ConfigPath))!;
        config["clientCertificate"] = new Dictionary<string, string> { ["certificate"] = "client.crt", ["key"] = "client.key" };
        File.WriteAllText(p.ConfigPath, JsonSerializer.Serialize(config));

        using var identified = new WireConnection(ClientConfig.Load(p.ConfigPath));
        Assert.Equal(PartitionStatus.Active, identified.Call(GetPartitionInfo, new Empty(), PartitionInfo.Parser).Status);
        identified.Login(UserType.Co, "admin", TestPartition.CoPassword);
        Assert.Contains(identified.Call("/cloudhsm.v1.Users/ListUsers", new Empty(), UserList.Parser).Users, u => u.Name == "admin");
    }
}
