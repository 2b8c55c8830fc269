using System.Text.Json;
using System.Text.Json.Serialization;
using CloudHsm.Storage;

namespace CloudHsm.Node.Hosting;

/// <summary>
/// DATA/cluster.json: what a cluster member knows before its partition state arrives — the certificate the
/// partition issued to it and the partition identity public key that every peer certificate is checked against.
/// Public data.
/// </summary>
public sealed record ClusterFile(string NodeId, byte[] Certificate, byte[] PartitionIdentityPublicKey)
{
    public const string FileName = "cluster.json";

    public static ClusterFile? Load(string dataDirectory)
    {
        var path = Path.Combine(dataDirectory, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), ClusterFileJson.Default.ClusterFile);
        }
        catch (JsonException)
        {
            throw new DataDirectoryException($"{FileName} is not readable: the data directory was damaged or tampered with.");
        }
    }

    public void Save(string dataDirectory) =>
        SecureFile.WriteAllText(Path.Combine(dataDirectory, FileName), JsonSerializer.Serialize(this, ClusterFileJson.Default.ClusterFile));
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(ClusterFile))]
internal sealed partial class ClusterFileJson : JsonSerializerContext;
