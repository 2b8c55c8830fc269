using System.Text.Json;
using CloudHsm.Client;
using CloudHsm.Protocol.V1;

namespace CloudHsm.ClusterLoad;

/// <summary>What `cloudhsm dev up` left in its directory: client.json (trust and endpoints) and credentials.json (CO and CU).</summary>
internal sealed class DevDirectory
{
    private DevDirectory(ClientConfig config, (string Name, string Password) co, (string Name, string Password) cu)
    {
        Config = config;
        Co = co;
        Cu = cu;
    }

    public ClientConfig Config { get; }
    public (string Name, string Password) Co { get; }
    public (string Name, string Password) Cu { get; }

    public static DevDirectory Read(string dir)
    {
        var config = ClientConfig.Load(Path.Combine(dir, "client.json"));
        using var credentials = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, "credentials.json")));
        (string, string) User(string type)
        {
            foreach (var user in credentials.RootElement.GetProperty("users").EnumerateArray())
            {
                if (user.GetProperty("type").GetString() == type) return (user.GetProperty("name").GetString()!, user.GetProperty("password").GetString()!);
            }
            throw new InvalidOperationException($"{dir}/credentials.json holds no {type}.");
        }
        return new DevDirectory(config, User("CO"), User("CU"));
    }

    /// <summary>The same trust with these nodes only (the ones this run started).</summary>
    public DevDirectory WithNodes(IReadOnlyList<NodeProcess> nodes) => new(
        Config with { Nodes = [.. nodes.Select(n => n.Endpoint)], Wire = [.. nodes.Select(n => n.WireEndpoint)] }, Co, Cu);

    /// <summary>A client that starts on node <paramref name="node"/> (index in the configuration), logged in.</summary>
    public async Task<HsmClient> LoginAsync(UserType type, int? node)
    {
        var client = new HsmClient(Config, node);
        var (name, password) = type == UserType.Co ? Co : Cu;
        await client.LoginAsync(type, name, password);
        return client;
    }
}
