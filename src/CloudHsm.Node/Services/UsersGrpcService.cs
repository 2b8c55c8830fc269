using CloudHsm.Core.Errors;
using CloudHsm.Core.Partition;
using CloudHsm.Core.Users;
using CloudHsm.Node.Hosting;
using CloudHsm.Protocol.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Empty = CloudHsm.Protocol.V1.Empty;

namespace CloudHsm.Node.Services;

/// <summary>gRPC Users service: login, sessions and user management.</summary>
public sealed class UsersGrpcService(NodeRuntime node) : Users.UsersBase
{
    private PartitionService Service => node.Service;

    public override async Task<LoginReply> Login(LoginRequest request, ServerCallContext context)
    {
        var type = request.Type.ToCore();
        var name = CallContext.RequireName(request.Name);
        var (token, login) = await CallContext.WithPasswordAsync(request.Password,
            password => Service.LoginAsync(type, name, password, context.ClientName(), context.CancellationToken));
        return new LoginReply
        {
            Token = token,
            Name = login.Actor.Name,
            Type = login.Actor.Type.ToWire(),
            IdleTimeoutSeconds = (long)Service.Sessions.Limits.IdleTimeout.TotalSeconds,
        };
    }

    public override Task<Empty> Logout(Empty request, ServerCallContext context)
    {
        Service.Logout(context.RequireLogin(Service.Sessions));
        return Task.FromResult(new Empty());
    }

    public override Task<SessionReply> OpenSession(Empty request, ServerCallContext context) =>
        Task.FromResult(new SessionReply { Handle = Service.OpenSession(context.RequireLogin(Service.Sessions)) });

    public override Task<Empty> CloseSession(SessionRequest request, ServerCallContext context)
    {
        Service.CloseSession(context.RequireLogin(Service.Sessions), request.Handle);
        return Task.FromResult(new Empty());
    }

    public override Task<SessionInfo> GetSessionInfo(SessionRequest request, ServerCallContext context)
    {
        var login = context.RequireLogin(Service.Sessions);
        if (!Service.Sessions.HasSession(login, request.Handle))
        {
            throw new HsmException(HsmError.RET_SESSION_NOT_FOUND, "There is no such session in this login.");
        }
        return Task.FromResult(new SessionInfo
        {
            Handle = request.Handle,
            Name = login.Actor.Name,
            Type = login.Actor.Type.ToWire(),
            OpenSessions = login.SessionCount,
        });
    }

    public override async Task<Empty> CreateUser(CreateUserRequest request, ServerCallContext context)
    {
        var login = context.RequireLogin(Service.Sessions);
        var type = request.Type.ToCore();
        var name = CallContext.RequireName(request.Name);
        await CallContext.WithPasswordAsync(request.Password,
            password => Service.CreateUserAsync(login, type, name, password, context.CancellationToken));
        return new Empty();
    }

    public override async Task<Empty> DeleteUser(UserRef request, ServerCallContext context)
    {
        await Service.DeleteUserAsync(context.RequireLogin(Service.Sessions), request.Type.ToCore(), CallContext.RequireName(request.Name), context.CancellationToken);
        return new Empty();
    }

    public override async Task<Empty> ChangePassword(ChangePasswordRequest request, ServerCallContext context)
    {
        var login = context.RequireLogin(Service.Sessions);
        var type = request.Type.ToCore();
        var name = CallContext.RequireName(request.Name);
        await CallContext.WithPasswordAsync(request.NewPassword,
            password => Service.ChangePasswordAsync(login, type, name, password, context.CancellationToken));
        return new Empty();
    }

    public override Task<UserList> ListUsers(Empty request, ServerCallContext context)
    {
        var reply = new UserList();
        foreach (var u in Service.ListUsers(context.RequireLogin(Service.Sessions)))
        {
            var user = new User
            {
                Id = u.Id,
                Type = u.Type.ToWire(),
                Name = u.Name,
                FailedLogins = u.FailedLogins,
                Locked = u.Locked,
                TwoFactor = u.TwoFactor,
                OfficerAccessDisabled = u.OfficerAccessDisabled,
            };
            user.Restrictions.AddRange(UserRestrictionNames.Of(u.Restrictions));
            if (u.LastLoginAt is { } last) user.LastLoginAt = Timestamp.FromDateTimeOffset(last);
            reply.Users.Add(user);
        }
        return Task.FromResult(reply);
    }

    public override async Task<Empty> UnlockUser(UserRef request, ServerCallContext context)
    {
        await Service.UnlockUserAsync(context.RequireLogin(Service.Sessions), request.Type.ToCore(), CallContext.RequireName(request.Name), context.CancellationToken);
        return new Empty();
    }

    public override async Task<Empty> SetUserAttributes(SetUserAttributesRequest request, ServerCallContext context)
    {
        var restrictions = UserRestrictions.None;
        foreach (var name in request.Restrictions)
        {
            restrictions |= UserRestrictionNames.Parse(name) ?? throw new HsmException(HsmError.RET_INVALID_INPUT,
                $"Unknown user attribute; use {string.Join(", ", UserRestrictionNames.All)}.");
        }
        await Service.SetUserAttributesAsync(context.RequireLogin(Service.Sessions), CallContext.RequireName(request.Name), restrictions, context.CancellationToken);
        return new Empty();
    }

    public override async Task<Empty> DisableUserAccess(Empty request, ServerCallContext context)
    {
        await Service.DisableUserAccessAsync(context.RequireLogin(Service.Sessions), context.CancellationToken);
        return new Empty();
    }

    public override async Task<ChallengeReply> GetChallenge(ChallengeRequest request, ServerCallContext context)
    {
        var (nonce, expires) = await Service.GetChallengeAsync(CallContext.RequireName(request.Name), context.CancellationToken);
        return new ChallengeReply { Nonce = ByteString.CopyFrom(nonce), ExpiresAt = Timestamp.FromDateTimeOffset(expires) };
    }

    public override async Task<Empty> UnlockCo(UnlockCoRequest request, ServerCallContext context)
    {
        var name = CallContext.RequireName(request.Name);
        if (request.Nonce.Length > 256 || request.Signature.Length is 0 or > 1024)
        {
            throw new HsmException(HsmError.RET_INVALID_INPUT, "unlockCO needs the owner's signature over a challenge (at most 1024 bytes).");
        }
        await CallContext.WithPasswordAsync(request.NewPassword,
            password => Service.RecoverOfficerAsync(name, request.Nonce.ToByteArray(), request.Signature.ToByteArray(), password, context.CancellationToken));
        return new Empty();
    }
}
