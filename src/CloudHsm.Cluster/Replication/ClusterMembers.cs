using System.Net;
using System.Text;
using DotNext.Buffers;
using DotNext.Net.Cluster.Consensus.Raft.Membership;

namespace CloudHsm.Cluster.Replication;

/// <summary>The Raft configuration (member endpoints) in DATA/raft/members, so a restarted node knows its peers.</summary>
public sealed class ClusterMembers(string path) : PersistentClusterConfigurationStorage<EndPoint>(path)
{
    protected override void Encode(EndPoint address, ref BufferWriterSlim<byte> output)
    {
        var text = Encoding.UTF8.GetBytes(address.ToString()!);
        Span<byte> length = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(length, text.Length);
        output.Write(length);
        output.Write(text);
    }

    protected override EndPoint Decode(ref SequenceReader input)
    {
        var length = input.ReadLittleEndian<int>();
        var text = new byte[length];
        input.Read(text);
        return IPEndPoint.Parse(Encoding.UTF8.GetString(text));
    }
}
