using System.Text.Json;
using System.Text.Json.Serialization;
using CloudHsm.Core.Errors;

namespace CloudHsm.Cluster.Admission;

/// <summary>
/// What a new node asks to join with (`cloudhsm node request`): its id, its public keys (TLS and key
/// exchange, SubjectPublicKeyInfo) and where it serves. Public data: it holds no secret.
/// </summary>
public sealed record JoinRequest(string NodeId, byte[] TlsPublicKey, byte[] ExchangePublicKey, string ClusterEndpoint, string ServiceEndpoint)
{
    public string ToJson() => JsonSerializer.Serialize(this, AdmissionJson.Default.JoinRequest);

    public static JoinRequest Parse(string json)
    {
        JoinRequest? request;
        try
        {
            request = JsonSerializer.Deserialize(json, AdmissionJson.Default.JoinRequest);
        }
        catch (JsonException)
        {
            request = null;
        }
        if (request is null || request.TlsPublicKey is null || request.ExchangePublicKey is null
            || request.NodeId != Identity.NodeIdentity.IdOf(request.TlsPublicKey)
            || !System.Net.IPEndPoint.TryParse(request.ClusterEndpoint ?? "", out _) || string.IsNullOrWhiteSpace(request.ServiceEndpoint))
        {
            throw new HsmException(HsmError.RET_ADMISSION_INVALID, "Not a valid join request: make one with `cloudhsm node request` on the new node.");
        }
        return request;
    }
}

/// <summary>
/// What an admitted node receives (`cloudhsm cluster add-node`): its certificate, the partition identity
/// public key its peers' certificates are checked against, the cluster's members, and the domain secret
/// encrypted to its key-exchange key (<see cref="AdmissionSealing"/>): useless to anyone else.
/// </summary>
public sealed record NodeAdmission(string NodeId, string SerialNumber, byte[] Certificate, byte[] PartitionIdentityPublicKey,
    byte[] SealedDomainSecret, string[] Members)
{
    public const string FileName = "admission.json";

    public string ToJson() => JsonSerializer.Serialize(this, AdmissionJson.Default.NodeAdmission);

    public static NodeAdmission Parse(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, AdmissionJson.Default.NodeAdmission) is { Certificate: not null, SealedDomainSecret: not null } a
                ? a
                : throw new JsonException();
        }
        catch (JsonException)
        {
            throw new HsmException(HsmError.RET_ADMISSION_INVALID, "Not a valid admission: it is what `cloudhsm cluster add-node` writes.");
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(JoinRequest))]
[JsonSerializable(typeof(NodeAdmission))]
internal sealed partial class AdmissionJson : JsonSerializerContext;
