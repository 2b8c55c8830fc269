using System.Collections.Concurrent;
using System.Diagnostics;
using CloudHsm.Client;
using CloudHsm.IntegrationTests.Harness;
using CloudHsm.IntegrationTests.Users;
using CloudHsm.Protocol;
using CloudHsm.Protocol.V1;
using Grpc.Core;
using Grpc.Net.Client;
using UsersApi = CloudHsm.Protocol.V1.Users;

namespace CloudHsm.IntegrationTests.Sessions;

/// <summary>Logins belong to one application (one HsmClient); sessions belong to one login; logins end on logout or when idle.</summary>
public sealed class SessionTests(ActivatedPartitionFixture fixture) : IClassFixture<ActivatedPartitionFixture>
{
    private const string Password = "Session-User-2024!";

    private TestPartition P => fixture.Partition;

    [Fact]
    public async Task OneApplicationOpens1024SessionsConcurrently()
    {
        await P.CreateUsersAsync((UserType.Cu, "app", Password));
        using var app = await P.LoginAsync(UserType.Cu, "app", Password);

        var handles = new ConcurrentBag<ulong>();
        await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 64; i++) handles.Add(await app.OpenSessionAsync());
        })));

        var all = handles.ToArray();
        Assert.Equal(1024, all.Length);
        Assert.Equal(1024, all.Distinct().Count());
        var slices = all.Chunk(64);
        await Task.WhenAll(slices.Select(slice => Task.Run(async () =>
        {
            foreach (var handle in slice)
            {
                var info = await app.GetSessionInfoAsync(handle);
                Assert.Equal(handle, info.Handle);
                Assert.Equal("app", info.Name);
                Assert.Equal(UserType.Cu, info.Type);
                Assert.Equal(1024, info.OpenSessions);
            }
        })));

        await app.CloseSessionAsync(all[0]);
        await UserTestKit.RefusedAsync("RET_SESSION_NOT_FOUND", () => app.GetSessionInfoAsync(all[0]));
        await UserTestKit.RefusedAsync("RET_SESSION_NOT_FOUND", () => app.CloseSessionAsync(all[0]));
        Assert.Equal(1023, (await app.GetSessionInfoAsync(all[1])).OpenSessions);
    }

    [Fact]
    public async Task TwoApplicationsInOneProcessDoNotShareTheirLogins()
    {
        await P.CreateUsersAsync((UserType.Cu, "alpha", Password), (UserType.Cu, "beta", Password));
        using var alpha = await P.LoginAsync(UserType.Cu, "alpha", Password);
        using var alphaAgain = await P.LoginAsync(UserType.Cu, "alpha", Password);
        using var beta = await P.LoginAsync(UserType.Cu, "beta", Password);

        var alphaSessions = new[] { await alpha.OpenSessionAsync(), await alpha.OpenSessionAsync(), await alpha.OpenSessionAsync() };
        var betaSession = await beta.OpenSessionAsync();
        Assert.Equal("alpha", (await alpha.GetSessionInfoAsync(alphaSessions[2])).Name);
        Assert.Equal("beta", (await beta.GetSessionInfoAsync(betaSession)).Name);
        // Sessions belong to the login that opened them.
        foreach (var handle in alphaSessions.Where(h => h != betaSession))
        {
            await UserTestKit.RefusedAsync("RET_SESSION_NOT_FOUND", () => beta.GetSessionInfoAsync(handle));
        }
        await UserTestKit.RefusedAsync("RET_SESSION_NOT_FOUND", () => alphaAgain.GetSessionInfoAsync(alphaSessions[2]));

        await alpha.LogoutAsync();

        await UserTestKit.RefusedAsync("RET_USER_NOT_LOGGED_IN", () => alpha.ListUsersAsync());
        var info = await beta.GetSessionInfoAsync(betaSession);
        Assert.Equal("beta", info.Name);
        Assert.Equal(1, info.OpenSessions);
        Assert.NotEmpty(await beta.ListUsersAsync());
        Assert.NotEmpty(await alphaAgain.ListUsersAsync()); // the same user's other login lives on
    }

    [Fact]
    public async Task LogoutEndsTheLoginOnTheNode()
    {
        await P.CreateUsersAsync((UserType.Cu, "lou", Password));
        using var client = P.NewClient();
        var reply = await client.LoginAsync(UserType.Cu, "lou", Password);
        var handle = await client.OpenSessionAsync();
        using var channel = RawChannel(P);
        var raw = new UsersApi.UsersClient(channel);
        var bearer = new Metadata { { WireNames.AuthorizationHeader, "Bearer " + reply.Token } };
        Assert.Equal("lou", (await raw.GetSessionInfoAsync(new SessionRequest { Handle = handle }, bearer)).Name);

        await client.LogoutAsync();

        // The token itself no longer works: the node ended the login, not just the client.
        var e = await Assert.ThrowsAsync<RpcException>(() => raw.GetSessionInfoAsync(new SessionRequest { Handle = handle }, bearer).ResponseAsync);
        Assert.Equal("RET_USER_NOT_LOGGED_IN", e.Trailers.GetValue(WireNames.ErrorTrailer));
        await UserTestKit.RefusedAsync("RET_USER_NOT_LOGGED_IN", () => client.GetSessionInfoAsync(handle));
        await UserTestKit.RefusedAsync("RET_USER_NOT_LOGGED_IN", () => client.OpenSessionAsync());
    }

    [Fact]
    public async Task AnIdleLoginExpiresWhileABusyOneLivesOn()
    {
        await using var p = await TestPartition.StartActivatedAsync("--idle-timeout", "10");
        await p.CreateUsersAsync((UserType.Cu, "sleepy", Password), (UserType.Cu, "busy", Password));
        using var sleepy = p.NewClient();
        var reply = await sleepy.LoginAsync(UserType.Cu, "sleepy", Password);
        Assert.Equal(10, reply.IdleTimeoutSeconds);
        var sleepyHandle = await sleepy.OpenSessionAsync();
        var idleSince = Stopwatch.StartNew();
        using var busy = await p.LoginAsync(UserType.Cu, "busy", Password);
        var busyHandle = await busy.OpenSessionAsync();

        while (idleSince.Elapsed < TimeSpan.FromSeconds(12))
        {
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.Equal("busy", (await busy.GetSessionInfoAsync(busyHandle)).Name);
        }

        await UserTestKit.RefusedAsync("RET_USER_NOT_LOGGED_IN", () => sleepy.GetSessionInfoAsync(sleepyHandle));
        Assert.Equal("busy", (await busy.GetSessionInfoAsync(busyHandle)).Name);
        await sleepy.LoginAsync(UserType.Cu, "sleepy", Password);
        await UserTestKit.RefusedAsync("RET_SESSION_NOT_FOUND", () => sleepy.GetSessionInfoAsync(sleepyHandle)); // a new login starts without the old sessions
        Assert.NotEmpty(await sleepy.ListUsersAsync());
    }

    /// <summary>A plain gRPC channel to the node (trusting PO.crt, like the SDK): for sending a token by hand.</summary>
    private static GrpcChannel RawChannel(TestPartition p) =>
        GrpcChannel.ForAddress($"https://{p.Node.Endpoint}", new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                SslOptions = new System.Net.Security.SslClientAuthenticationOptions { RemoteCertificateValidationCallback = p.NodeTrust() },
            },
            DisposeHttpClient = true,
        });
}
