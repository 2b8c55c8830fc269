using CloudHsm.Client;
using CloudHsm.Client.Resilience;
using CloudHsm.Protocol.V1;

namespace CloudHsm.IntegrationTests.Client;

/// <summary>Backoff, request ids, the node cursor and the held credentials, each alone.</summary>
public sealed class ResilienceBuildingBlocksTests
{
    [Fact]
    public void BackoffDoublesWithJitterUpToItsCeilingAndNeverPassesTheDeadline()
    {
        const long now = 1_000_000;
        for (var retry = 1; retry <= 12; retry++)
        {
            var ceiling = Math.Min(Backoff.MaxMilliseconds, Backoff.FirstMilliseconds << (retry - 1));
            var pauses = Enumerable.Range(0, 200).Select(_ => Backoff.Pause(retry, now + 60_000, now)).ToArray();
            Assert.All(pauses, p => Assert.InRange(p, ceiling / 2, ceiling));
            if (ceiling >= 100) Assert.True(pauses.Distinct().Count() > 1, $"no jitter at retry {retry}"); // clients that failed together spread out
        }
        Assert.Equal(0, Backoff.Pause(5, deadline: now - 10, now));
        Assert.InRange(Backoff.Pause(10, deadline: now + 30, now), 0, 30);
    }

    [Fact]
    public void RequestIdsFollowTheContractAndDoNotRepeat()
    {
        var ids = Enumerable.Range(0, 10_000).Select(_ => RequestId.New()).ToArray();
        Assert.All(ids, id => Assert.True(RequestId.IsValid(id), id));
        Assert.Equal(ids.Length, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.False(RequestId.IsValid(""));
        Assert.False(RequestId.IsValid(new string('a', 65)));
        Assert.False(RequestId.IsValid("has space"));
        Assert.True(RequestId.IsValid("client-1.call_2"));
    }

    [Fact]
    public void CursorsOfOneProcessStartOnDifferentNodes()
    {
        var starts = Enumerable.Range(0, 30).Select(_ => new NodeCursor(3).Current).ToArray();
        // A rotation (other tests may take turns from it meanwhile): every node gets clients.
        Assert.Equal([0, 1, 2], starts.Distinct().Order());
    }

    [Fact]
    public void AFailureOfANodeAlreadyLeftDoesNotMoveTheCursorAgain()
    {
        var nodes = new NodeCursor(3, start: 0);
        Assert.Equal(1, nodes.Failed(0)); // the first caller to see node 0 fail moves everyone to node 1
        Assert.Equal(1, nodes.Failed(0)); // a second caller that saw the same failure follows, it does not skip node 1
        Assert.Equal(1, nodes.Current);
        Assert.Equal(2, nodes.Failed(1));
        Assert.Equal(0, nodes.Failed(2));
        nodes.MovedTo(2);
        Assert.Equal(2, nodes.Current);
    }

    [Fact]
    public void HeldCredentialsWipeThePasswordWhenDisposed()
    {
        var held = HeldCredentials.Create(UserType.Cu, "alice", "Correct-Horse-9!");
        var request = held.Request(); // wraps the held array itself: it shows what the array holds
        Assert.Equal("alice", request.Name);
        Assert.Equal("Correct-Horse-9!", request.Password.ToStringUtf8());
        held.Dispose();
        Assert.All(request.Password.ToByteArray(), b => Assert.Equal(0, b));
        Assert.Throws<ObjectDisposedException>(() => held.Request());
    }

    [Fact]
    public void APinIsNameColonPassword()
    {
        using var held = HeldCredentials.FromPin(UserType.Cu, "bob:pw:with:colons"u8);
        Assert.NotNull(held);
        Assert.Equal("bob", held.Name);
        Assert.Equal("pw:with:colons", held.Request().Password.ToStringUtf8());
        Assert.Null(HeldCredentials.FromPin(UserType.Cu, ":nameless"u8));
    }

    [Theory]
    [InlineData("RET_CLUSTER_NO_QUORUM", true)]
    [InlineData("RET_NODE_NOT_READY", true)]
    [InlineData("RET_USER_LOGIN_FAILURE", false)]
    public void NotNowRefusalsAreTransient(string name, bool transient) => Assert.Equal(transient, TransientRefusals.Contains(name));

    [Theory]
    [InlineData("RET_USER_LOGIN_FAILURE", true)]
    [InlineData("RET_USER_LOCKED", true)]
    [InlineData("RET_USER_NOT_FOUND", true)]
    [InlineData("RET_INTERNAL_ERROR", false)]
    [InlineData("RET_CLUSTER_NO_QUORUM", false)]
    [InlineData("RET_NODE_UNAVAILABLE", false)]
    public void OnlyARefusalOfTheCredentialsMakesAReloginForgetThem(string name, bool forgets) =>
        Assert.Equal(forgets, new HsmClientException(name, "x").RefusesCredentials);
}
