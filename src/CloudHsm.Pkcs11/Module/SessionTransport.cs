using CloudHsm.Client;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Transport;
using Google.Protobuf;

namespace CloudHsm.Pkcs11.Module;

/// <summary>
/// The module's transport as one session uses it: a call on a session that is, or becomes during the
/// call, <see cref="Session.Stranded"/> (its session objects were lost with a node or a login) ends in
/// CKR_SESSION_CLOSED rather than in whatever the node now says about handles it never saw.
/// </summary>
internal sealed class SessionTransport(Session session, IModuleTransport inner) : IModuleTransport
{
    public string? AuthorizationToken
    {
        get => inner.AuthorizationToken;
        set => inner.AuthorizationToken = value;
    }

    public ILoginRenewal? Renewal
    {
        get => inner.Renewal;
        set => inner.Renewal = value;
    }

    public TResponse Call<TResponse>(string method, IMessage request, MessageParser<TResponse> parser) where TResponse : class, IMessage<TResponse>
    {
        if (session.Stranded) throw new CkException(Ckr.SESSION_CLOSED);
        try
        {
            return inner.Call(method, request, parser);
        }
        catch (HsmClientException) when (session.Stranded)
        {
            throw new CkException(Ckr.SESSION_CLOSED);
        }
    }

    /// <summary>The module owns the transport.</summary>
    public void Dispose()
    {
    }
}
