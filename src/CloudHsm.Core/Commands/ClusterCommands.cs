using CloudHsm.Core.Partition;

namespace CloudHsm.Core.Commands;

/// <summary>
/// addNode: a node joins the partition's cluster with the certificate issued to it. The founding node
/// records itself without an actor (allowed only while no node is recorded); every later one needs a CO
/// (or PRECO before activation).
/// </summary>
public sealed record AdmitNode(Actor? Actor, ClusterNode Node) : PartitionCommand;

/// <summary>removeNode: the node leaves; its certificate is no longer accepted on the cluster channel.</summary>
public sealed record RemoveNode(Actor Actor, string NodeId) : PartitionCommand, IActorCommand;
