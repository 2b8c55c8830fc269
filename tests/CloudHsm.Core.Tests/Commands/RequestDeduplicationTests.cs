using CloudHsm.Core.Commands;
using CloudHsm.Core.Keys;
using CloudHsm.Core.Tests.Support;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Tests.Commands;

/// <summary>
/// A client's retry of a call (same hsm-request-id) after a lost reply or a failover is applied once and answered
/// with the first outcome; the memory of ids is bounded in time.
/// </summary>
public sealed class RequestDeduplicationTests
{
    private static AttributeSet Template => AttributeSet.Empty.With(AttributeId.Label, "retried");

    [Fact]
    public async Task ARetriedKeyGeneration_MakesOneKeyAndAnswersWithItsHandle()
    {
        using var world = await KeyWorld.CreateAsync();
        var before = world.KeyCount;

        RequestScope.Begin("call-1");
        var first = await world.Keys.GenerateSymmetricAsync(world.Alice, KeyType.Aes, 32, Template);
        RequestScope.Begin("call-1");
        var retried = await world.Keys.GenerateSymmetricAsync(world.Alice, KeyType.Aes, 32, Template);

        Assert.Equal(first, retried);
        Assert.Equal(before + 1, world.KeyCount);
    }

    [Fact]
    public async Task ARetriedUserCreation_IsNotRefusedAsADuplicateUser()
    {
        using var world = await KeyWorld.CreateAsync();

        RequestScope.Begin("create-carol");
        await world.Partition.CreateUserAsync(world.Officer, UserType.CU, "carol");
        var users = world.Partition.Store.ListUsers().Count;
        RequestScope.Begin("create-carol");
        await world.Partition.CreateUserAsync(world.Officer, UserType.CU, "carol");

        Assert.Equal(users, world.Partition.Store.ListUsers().Count);
    }

    [Fact]
    public async Task TheSameIdAfterTheMemoryEnds_IsANewRequest()
    {
        using var world = await KeyWorld.CreateAsync();
        var before = world.KeyCount;

        RequestScope.Begin("call-2");
        var first = await world.Keys.GenerateSymmetricAsync(world.Alice, KeyType.Aes, 32, Template);
        world.Partition.Clock.Advance(PartitionStateMachine.RequestMemory + TimeSpan.FromMinutes(1));
        RequestScope.Begin("other-call");
        await world.Keys.GenerateSymmetricAsync(world.Alice, KeyType.Aes, 32, Template); // its apply forgets call-2
        RequestScope.Begin("call-2");
        var later = await world.Keys.GenerateSymmetricAsync(world.Alice, KeyType.Aes, 32, Template);

        Assert.NotEqual(first, later);
        Assert.Equal(before + 3, world.KeyCount);
    }

    [Fact]
    public void CommandsOfOneCall_GetDistinctIdsThatARetryRepeats()
    {
        RequestScope.Begin("call-3");
        string[] first = [RequestScope.NextCommandId()!, RequestScope.NextCommandId()!];
        RequestScope.Begin("call-3");
        string[] retry = [RequestScope.NextCommandId()!, RequestScope.NextCommandId()!];

        Assert.Equal(["call-3", "call-3#2"], first);
        Assert.Equal(first, retry);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("x/../y")]
    public void AnInvalidId_LeavesTheCallWithoutOne(string? id)
    {
        RequestScope.Begin(id);

        Assert.Null(RequestScope.NextCommandId());
    }
}
