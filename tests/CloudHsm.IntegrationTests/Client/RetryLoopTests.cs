using System.Diagnostics;
using CloudHsm.Client;
using CloudHsm.Client.Resilience;

namespace CloudHsm.IntegrationTests.Client;

/// <summary>The retry rules of one logical call, without a transport: attempts are scripted here.</summary>
public sealed class RetryLoopTests
{
    private static HsmClientException Unavailable() => new("RET_NODE_UNAVAILABLE", "Cannot reach node.", transient: true);

    [Fact]
    public async Task EveryAttemptOfOneCallCarriesTheSameRequestIdAndEachCallANewOne()
    {
        var nodes = new NodeCursor(3, start: 0);
        var seen = new List<string>();
        var reply = await RetryLoop.RunAsync(nodes, TimeSpan.FromSeconds(10), attempt =>
        {
            seen.Add(attempt.RequestId);
            return attempt.Number < 4 ? throw Unavailable() : Task.FromResult("done");
        });
        Assert.Equal("done", reply);
        Assert.Equal(4, seen.Count);
        Assert.Single(seen.Distinct());
        Assert.True(RequestId.IsValid(seen[0]), seen[0]);

        var next = await RetryLoop.RunAsync(nodes, TimeSpan.FromSeconds(10), attempt => Task.FromResult(attempt.RequestId));
        Assert.NotEqual(seen[0], next);
    }

    [Fact]
    public async Task TransientFailuresFailOverToTheNextNodeRoundTheList()
    {
        var nodes = new NodeCursor(3, start: 1);
        var visited = new List<int>();
        var node = await RetryLoop.RunAsync(nodes, TimeSpan.FromSeconds(10), attempt =>
        {
            visited.Add(attempt.Node);
            return visited.Count < 5 ? throw Unavailable() : Task.FromResult(attempt.Node);
        });
        Assert.Equal([1, 2, 0, 1, 2], visited);
        Assert.Equal(2, node);
        Assert.Equal(2, nodes.Current); // the next call starts where this one succeeded
    }

    [Theory]
    [InlineData("RET_NODE_UNAVAILABLE")]
    [InlineData("RET_TIMEOUT")]
    [InlineData("RET_CLUSTER_NO_QUORUM")]
    [InlineData("RET_NODE_NOT_READY")]
    public async Task TransientFailuresAreRetriedWithBackoffUntilTheDeadlineThenSurfaced(string errorName)
    {
        var nodes = new NodeCursor(2, start: 0);
        var window = TimeSpan.FromMilliseconds(600);
        var attempts = new List<long>();
        var clock = Stopwatch.StartNew();
        var refused = await Assert.ThrowsAsync<HsmClientException>(() => RetryLoop.RunAsync<int>(nodes, window, attempt =>
        {
            attempts.Add(clock.ElapsedMilliseconds);
            // A node refusal arrives transient through the translation every transport uses.
            throw new HsmClientException(errorName, "not now", transient: true);
        }));
        Assert.Equal(errorName, refused.ErrorName);
        Assert.InRange(clock.Elapsed, window - TimeSpan.FromMilliseconds(100), window + TimeSpan.FromSeconds(5));
        // Backoff, not a busy loop: a handful of attempts in 600 ms (the delays themselves are Backoff's tests).
        Assert.InRange(attempts.Count, 3, 12);
    }

    [Fact]
    public async Task ARefusalIsTheAnswerAtOnce()
    {
        var nodes = new NodeCursor(3, start: 0);
        var attempts = 0;
        var refused = await Assert.ThrowsAsync<HsmClientException>(() => RetryLoop.RunAsync<int>(nodes, TimeSpan.FromSeconds(10), _ =>
        {
            attempts++;
            throw new HsmClientException("RET_KEY_NOT_FOUND", "No such key.");
        }));
        Assert.Equal("RET_KEY_NOT_FOUND", refused.ErrorName);
        Assert.Equal(1, attempts);
        Assert.Equal(0, nodes.Current); // a refusal is no reason to leave the node
    }

    [Fact]
    public async Task ARepairedRefusalIsRepeatedOnTheSameNodeWithTheSameId()
    {
        var nodes = new NodeCursor(3, start: 2);
        var attempts = new List<CallAttempt>();
        var reply = await RetryLoop.RunAsync(nodes, TimeSpan.FromSeconds(10), attempt =>
        {
            attempts.Add(attempt);
            return attempts.Count == 1 ? throw new HsmClientException("RET_USER_NOT_LOGGED_IN", "Unknown token.") : Task.FromResult(7);
        }, (_, refusal) => Task.FromResult(refusal.ErrorName == "RET_USER_NOT_LOGGED_IN" ? AfterRefusal.Repeat : AfterRefusal.Surface));
        Assert.Equal(7, reply);
        Assert.Equal([2, 2], attempts.Select(a => a.Node));
        Assert.Equal(attempts[0].RequestId, attempts[1].RequestId);
    }

    [Fact]
    public async Task ACancelledCallStopsWaiting()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RetryLoop.RunAsync<int>(new NodeCursor(1, 0), TimeSpan.FromMinutes(5),
            _ => throw Unavailable(), ct: cancel.Token));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }
}
