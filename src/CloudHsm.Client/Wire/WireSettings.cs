using System.Security.Cryptography.X509Certificates;

namespace CloudHsm.Client.Wire;

/// <summary>
/// What every wire connection of one configuration shares: endpoints, trust, client certificate, timeout,
/// and the node they all talk to (<see cref="Nodes"/>: a connection that fails over moves the others with it,
/// since a login token is valid on one node only).
/// </summary>
internal sealed record WireSettings(WireEndpoint[] Endpoints, ServerTrust Trust, X509Certificate2Collection? ClientCertificates,
    TimeSpan Timeout, string ClientName, Resilience.NodeCursor Nodes)
{
    private static readonly string DefaultClientName =
        $"{HsmClient.ClientName}-wire/{typeof(WireSettings).Assembly.GetName().Version?.ToString() ?? "0"}";

    /// <param name="startNode">The first endpoint to try; null: the next of the process-wide rotation.</param>
    public static WireSettings From(ClientConfig config, string? clientName, int? startNode)
    {
        ArgumentNullException.ThrowIfNull(config);
        WireEndpoint[] endpoints = [.. config.WireEndpoints()];
        if (endpoints.Length == 0) throw new HsmClientException("RET_CONFIG_INVALID", "The client configuration names no nodes.");
        var certificates = config.ClientCertificate is { } cc
            ? new X509Certificate2Collection(X509Certificate2.CreateFromPemFile(config.Resolve(cc.Certificate)!, config.Resolve(cc.Key)))
            : null;
        return new WireSettings(endpoints, ServerTrust.FromConfig(config), certificates, config.CallTimeout, clientName ?? DefaultClientName,
            new Resilience.NodeCursor(endpoints.Length, startNode));
    }
}
