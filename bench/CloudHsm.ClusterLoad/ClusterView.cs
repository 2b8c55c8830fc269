using System.Diagnostics;
using CloudHsm.Client;
using CloudHsm.Protocol.V1;

namespace CloudHsm.ClusterLoad;

/// <summary>getClusterInfo as the bench reads it: who leads, where each configured node is, and waiting for a state.</summary>
internal static class ClusterView
{
    public static ClusterNode? Leader(ClusterInfo info) => info.Nodes.FirstOrDefault(n => n.Id == info.Leader && info.Leader.Length > 0);

    /// <summary>Index in <paramref name="config"/> of the node with this endpoint.</summary>
    public static int IndexOf(ClientConfig config, string endpoint) =>
        config.Nodes.ToList().IndexOf(endpoint) is var i and >= 0 ? i : throw new InvalidOperationException($"{endpoint} is not in the configuration.");

    /// <summary>A leader, <paramref name="members"/> healthy nodes, none lagging.</summary>
    public static bool Settled(ClusterInfo info, int members) =>
        Leader(info) is not null && info.Nodes.Count(n => n.Healthy) >= members && info.InSync;

    /// <summary>Polls getClusterInfo (any node that answers) until <paramref name="ready"/>; returns that answer.</summary>
    public static async Task<ClusterInfo> WaitAsync(ClientConfig config, Func<ClusterInfo, bool> ready, TimeSpan timeout, string what, int pollMilliseconds = 200)
    {
        using var probe = new HsmClient(config) { RetryWindow = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var info = await probe.GetClusterInfoAsync();
                if (ready(info)) return info;
            }
            catch (HsmClientException e) when (e.IsTransient)
            {
                // not serving yet
            }
            if (clock.Elapsed > timeout) throw new TimeoutException($"After {timeout.TotalSeconds:0} s: {what}.");
            await Task.Delay(pollMilliseconds);
        }
    }
}
