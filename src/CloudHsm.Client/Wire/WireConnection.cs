using System.Buffers.Binary;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CloudHsm.Protocol;
using CloudHsm.Protocol.V1;
using Google.Protobuf;

namespace CloudHsm.Client.Wire;

/// <summary>
/// One connection of the wire transport: the gRPC API's messages, length-prefixed over TLS, sent and
/// received synchronously on the calling thread (TcpClient-style socket + SslStream, no async, no
/// thread pool), so that it keeps working in a child after fork(). The node is judged as the gRPC
/// client judges it (<see cref="ServerTrust"/>: PO chain or pinned bootstrap certificate), with the
/// configured client certificate. Connects lazily to the first reachable of the configured wire
/// endpoints, from the node its settings' cursor names (shared by a pool's connections, which follow
/// each other there); reconnects when the process changed (fork) or the connection broke, starting
/// with the node after the one that failed. Not for several
/// threads at once: use one per thread or session, or <see cref="WireConnectionPool"/>.
/// </summary>
public sealed class WireConnection : IDisposable
{
    /// <summary>Buffers up to this size are kept between calls; larger ones are wiped and dropped.</summary>
    private const int KeptBufferBytes = 64 * 1024;

    /// <summary>A connection idle for longer is checked for a close by the node before it is used.</summary>
    private const long IdleCheckMilliseconds = 1_000;

    private readonly WireSettings _settings;
    private Socket? _socket;
    private SslStream? _stream;
    private int _process;
    private int _endpoint;
    private bool _clientNameSent;
    private long _lastUse;
    private byte[] _body = new byte[1024];
    private byte[] _frame = new byte[2048];
    private int _busy;
    private bool _disposed;

    public WireConnection(ClientConfig config, string? clientName = null)
        : this(WireSettings.From(config, clientName, startNode: 0))
    {
    }

    internal WireConnection(WireSettings settings)
    {
        _settings = settings;
    }

    /// <summary>The bearer token of the login, sent with every call while set (null before login).</summary>
    public string? AuthorizationToken { get; set; }

    /// <summary>The endpoint of the open connection, or null.</summary>
    public string? ConnectedEndpoint => _stream is not null && _process == ProcessIdentity.Current() ? _settings.Endpoints[_endpoint].ToString() : null;

    /// <summary>True when the node was trusted through the pinned bootstrap certificate (partition not activated).</summary>
    public bool ConnectedToUnactivatedNode => _settings.Trust.AcceptedBootstrap;

    /// <summary>
    /// Calls <paramref name="method"/> (gRPC full name, "/cloudhsm.v1.Crypto/Sign") and returns its reply.
    /// A refusal throws <see cref="HsmClientException"/> with the node's RET_* name; a node that cannot
    /// be reached, or does not answer within the configured timeout, throws a transient one
    /// (RET_NODE_UNAVAILABLE, RET_TIMEOUT) and the next call reconnects to the next node; so do the
    /// node's own "not now" refusals (<see cref="Resilience.TransientRefusals"/>), after which the caller
    /// may <see cref="FailOver"/>. A request is never sent twice by this method: a caller that retries
    /// passes the same <paramref name="requestId"/> (<see cref="Resilience.RequestId"/>) each time, so the
    /// cluster applies a write once.
    /// </summary>
    public TResponse Call<TResponse>(string method, IMessage request, MessageParser<TResponse> parser, string? requestId = null) where TResponse : IMessage<TResponse>
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(parser);
        Enter();
        var bodyLength = 0;
        var frameLength = 0;
        var replyLength = 0;
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var stream = EnsureConnected();
            (bodyLength, frameLength) = Encode(method, request, requestId);
            WireReply reply;
            try
            {
                stream.Write(_frame, 0, frameLength);
                reply = ReadReply(stream, out replyLength);
                _clientNameSent = true;
                _lastUse = Environment.TickCount64;
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidProtocolBufferException)
            {
                var endpoint = _settings.Endpoints[_endpoint];
                _settings.Nodes.Failed(_endpoint);
                Close();
                throw Broken(e, endpoint);
            }
            if (reply.Error.Length > 0) throw new HsmClientException(reply.Error, reply.Message, Resilience.TransientRefusals.Contains(reply.Error));
            try
            {
                return parser.ParseFrom(reply.Body);
            }
            finally
            {
                Wipe(reply.Body);
            }
        }
        finally
        {
            // The request or the reply may have held a password or key material.
            CryptographicOperations.ZeroMemory(_body.AsSpan(0, bodyLength));
            CryptographicOperations.ZeroMemory(_frame.AsSpan(0, Math.Min(_frame.Length, Math.Max(frameLength, replyLength))));
            if (_body.Length > KeptBufferBytes) _body = new byte[1024];
            if (_frame.Length > KeptBufferBytes) _frame = new byte[2048];
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>
    /// Opens the connection now, unless the open one is still usable (the node has not closed it: checked
    /// whatever the idle time). A failure here (transient, as in <see cref="Call"/>) means that no request
    /// was sent, so a caller may retry even a call that changes state; a failure in the
    /// <see cref="Call"/> that follows may come after the node received the request.
    /// </summary>
    public void Open()
    {
        Enter();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_stream is not null && _process == ProcessIdentity.Current() && ClosedByPeer(_socket!)) Close();
            EnsureConnected();
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>
    /// Marks the connection busy. The flag holds the id of the process whose thread uses the connection:
    /// a call that was under way in the parent when it forked does not leave it busy forever in the child.
    /// </summary>
    private void Enter()
    {
        var process = ProcessIdentity.Current();
        var holder = Interlocked.CompareExchange(ref _busy, process, 0);
        if (holder != 0 && (holder == process || Interlocked.CompareExchange(ref _busy, process, holder) != holder))
        {
            throw new HsmClientException("RET_CONNECTION_BUSY", "This wire connection is in use by another thread; use one per thread or session.");
        }
    }

    /// <summary>
    /// The node answered "not now" (no quorum, not ready): the connection is closed and the shared cursor
    /// moves past that node, so the next call (of any connection of the pool) goes to the next node.
    /// </summary>
    public void FailOver()
    {
        if (_stream is not null && _process == ProcessIdentity.Current()) _settings.Nodes.Failed(_endpoint);
        Close();
    }

    /// <summary>Closes the connection (the next call opens a new one).</summary>
    public void Close()
    {
        if (_stream is not null && _process != ProcessIdentity.Current())
        {
            Abandon();
            return;
        }
        var stream = _stream;
        _stream = null;
        _socket = null;
        _clientNameSent = false;
        stream?.Dispose();
    }

    /// <summary>
    /// In a forked child: lets go of the parent's connection without touching it. Only the child's
    /// copy of the descriptor is closed (the parent's connection stays open and its TLS state in
    /// step); the TLS objects are dropped, not disposed, so that nothing of the parent's session is
    /// released or sent from the child, and the socket handle is marked invalid so that no later
    /// release closes a descriptor number the child has reused.
    /// </summary>
    private void Abandon()
    {
        var socket = _socket;
        _stream = null;
        _socket = null;
        _clientNameSent = false;
        if (socket is null) return;
        var handle = socket.SafeHandle;
        var fd = (int)handle.DangerousGetHandle();
        handle.SetHandleAsInvalid();
        GC.SuppressFinalize(socket);
        try
        {
            Libc.close(fd);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // the descriptor stays open in the child until it exits
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Close();
        CryptographicOperations.ZeroMemory(_body);
        CryptographicOperations.ZeroMemory(_frame);
    }

    private SslStream EnsureConnected()
    {
        if (_stream is not null)
        {
            if (_process != ProcessIdentity.Current())
            {
                Abandon(); // a forked child: the connection belongs to the parent
            }
            else if (_endpoint != _settings.Nodes.Current)
            {
                Close(); // another connection of the pool failed over: follow it
            }
            else if (Environment.TickCount64 - _lastUse > IdleCheckMilliseconds && ClosedByPeer(_socket!))
            {
                Close(); // the node closed it while idle (restart, shutdown): not an error
            }
            else
            {
                return _stream;
            }
        }
        return Connect();
    }

    /// <summary>Between calls nothing may arrive: a readable socket means the node closed it (or broke the protocol).</summary>
    private static bool ClosedByPeer(Socket socket)
    {
        try
        {
            return socket.Poll(0, SelectMode.SelectRead);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return true;
        }
    }

    /// <summary>Tries the configured endpoints in order, starting with the cursor's node; the cursor follows to the one reached.</summary>
    private SslStream Connect()
    {
        HsmClientException? failure = null;
        var endpoints = _settings.Endpoints;
        var start = _settings.Nodes.Current;
        for (var attempt = 0; attempt < endpoints.Length; attempt++)
        {
            var index = (start + attempt) % endpoints.Length;
            var endpoint = endpoints[index];
            Socket? socket = null;
            SslStream? stream = null;
            try
            {
                socket = WireSocket.Connect(endpoint, _settings.Timeout);
                stream = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
                stream.AuthenticateAsClient(new SslClientAuthenticationOptions
                {
                    TargetHost = endpoint.Host,
                    EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                    RemoteCertificateValidationCallback = _settings.Trust.Callback,
                    ClientCertificates = _settings.ClientCertificates,
                    CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                });
                _socket = socket;
                _stream = stream;
                _endpoint = index;
                if (index != start) _settings.Nodes.MovedTo(index);
                _process = ProcessIdentity.Current();
                _clientNameSent = false;
                _lastUse = Environment.TickCount64;
                return stream;
            }
            catch (Exception e) when (e is IOException or SocketException or AuthenticationException or ObjectDisposedException)
            {
                if (stream is not null) stream.Dispose();
                else socket?.Dispose();
                var error = IsHandshakeRefusal(e)
                    ? new HsmClientException("RET_SERVER_NOT_TRUSTED", $"Refused node {endpoint}: {_settings.Trust.LastRefusal ?? "its TLS certificate was rejected"}.")
                    : Broken(e, endpoint);
                // An untrusted node is the more telling failure: keep it over an unreachable one.
                if (failure is null || error.ErrorName == "RET_SERVER_NOT_TRUSTED") failure = error;
            }
        }
        throw failure!;
    }

    private static bool IsHandshakeRefusal(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is AuthenticationException) return true;
        }
        return false;
    }

    private static HsmClientException Broken(Exception e, WireEndpoint endpoint)
    {
        var socketError = e as SocketException ?? e.InnerException as SocketException;
        return socketError?.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock or SocketError.InProgress
            ? new HsmClientException("RET_TIMEOUT", $"Node {endpoint} did not answer within the timeout.", transient: true)
            : new HsmClientException("RET_NODE_UNAVAILABLE", $"Cannot reach node {endpoint} (wire transport): {Describe(e, socketError)}.", transient: true);
    }

    private static string Describe(Exception e, SocketException? socketError) => e switch
    {
        _ when socketError is not null => socketError.SocketErrorCode.ToString(),
        EndOfStreamException => "the connection was closed",
        ProtocolViolationException or InvalidProtocolBufferException => $"the reply could not be read ({e.Message}); the connection was closed",
        _ => e.GetType().Name,
    };

    /// <summary>Serialises the request into <see cref="_body"/>, then the envelope with its length into <see cref="_frame"/>.</summary>
    private (int BodyLength, int FrameLength) Encode(string method, IMessage request, string? requestId)
    {
        var bodyLength = request.CalculateSize();
        if (bodyLength > WireFraming.MaxRequestBodyBytes)
        {
            throw new HsmClientException("RET_INVALID_INPUT", $"The request is larger than the {WireFraming.MaxRequestBodyBytes} bytes a node accepts.");
        }
        Grow(ref _body, bodyLength);
        request.WriteTo(_body.AsSpan(0, bodyLength));
        var envelope = new WireRequest
        {
            Method = method,
            Body = UnsafeByteOperations.UnsafeWrap(_body.AsMemory(0, bodyLength)),
            Token = AuthorizationToken ?? "",
            RequestId = requestId ?? "",
        };
        if (!_clientNameSent) envelope.Client = _settings.ClientName;
        var envelopeLength = envelope.CalculateSize();
        if (envelopeLength > WireFraming.MaxRequestFrameBytes)
        {
            throw new HsmClientException("RET_INVALID_INPUT", $"The request is larger than the {WireFraming.MaxRequestFrameBytes} bytes a node accepts.");
        }
        var frameLength = WireFraming.HeaderBytes + envelopeLength;
        Grow(ref _frame, frameLength);
        BinaryPrimitives.WriteInt32BigEndian(_frame, envelopeLength);
        envelope.WriteTo(_frame.AsSpan(WireFraming.HeaderBytes, envelopeLength));
        return (bodyLength, frameLength);
    }

    private WireReply ReadReply(SslStream stream, out int length)
    {
        length = 0;
        stream.ReadExactly(_frame, 0, WireFraming.HeaderBytes);
        var announced = BinaryPrimitives.ReadUInt32BigEndian(_frame);
        if (announced > WireFraming.MaxReplyFrameBytes)
        {
            throw new ProtocolViolationException($"the node announced a reply of {announced} bytes, over the limit");
        }
        length = (int)announced;
        Grow(ref _frame, length);
        stream.ReadExactly(_frame, 0, length);
        return WireReply.Parser.ParseFrom(_frame.AsSpan(0, length));
    }

    private static void Wipe(ByteString bytes)
    {
        if (System.Runtime.InteropServices.MemoryMarshal.TryGetArray(bytes.Memory, out var segment) && segment.Array is not null)
        {
            CryptographicOperations.ZeroMemory(segment.AsSpan());
        }
    }

    /// <summary>The node broke the framing; the connection cannot be used further.</summary>
    private sealed class ProtocolViolationException(string message) : IOException(message);

    private static void Grow(ref byte[] buffer, int length)
    {
        if (buffer.Length >= length) return;
        CryptographicOperations.ZeroMemory(buffer);
        buffer = new byte[Math.Max(length, buffer.Length * 2)];
    }
}
