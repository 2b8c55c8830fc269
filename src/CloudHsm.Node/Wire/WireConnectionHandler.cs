using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using CloudHsm.Core.Errors;
using CloudHsm.Protocol;
using CloudHsm.Protocol.V1;
using Google.Protobuf;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace CloudHsm.Node.Wire;

/// <summary>
/// Serves one TLS connection of the wire transport (Kestrel has done the handshake with the node's
/// TLS options): reads a length-prefixed WireRequest, answers one WireReply, and so on, in order.
/// A request it cannot read is answered RET_INVALID_INPUT; a frame over the size limit is answered
/// so and ends the connection (the stream cannot be resynchronised). Nothing a client sends ends more
/// than its own connection.
/// </summary>
public sealed partial class WireConnectionHandler(WireMethodTable methods, ILogger<WireConnectionHandler> logger) : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var certificate = connection.Features.Get<ITlsConnectionFeature>()?.ClientCertificate;
        var context = new WireServerCallContext(connection.RemoteEndPoint, certificate is not null, connection.ConnectionClosed);
        // A node that stops asks its connections to close: an idle one closes at once, a busy one after its reply.
        var closeRequested = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? connection.ConnectionClosed;
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        try
        {
            while (true)
            {
                var read = await input.ReadAsync(closeRequested);
                var buffer = read.Buffer;
                var frame = TryReadFrame(buffer, out var request, out var consumed);
                if (frame == Frame.Incomplete)
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                    if (read.IsCompleted || read.IsCanceled) break;
                    continue;
                }
                if (frame == Frame.TooLarge)
                {
                    await WriteAsync(output, WireMethodTable.Refusal(HsmError.RET_INVALID_INPUT,
                        $"A frame may hold at most {WireFraming.MaxRequestFrameBytes} bytes; the connection is closed."));
                    break;
                }
                input.AdvanceTo(consumed);
                WireReply reply;
                if (request is null)
                {
                    reply = WireMethodTable.Refusal(HsmError.RET_INVALID_INPUT, "The frame is not a WireRequest.");
                }
                else
                {
                    try
                    {
                        // Short calls run here, on the socket thread with inline scheduling; the rest on the pool.
                        reply = WireMethodTable.InlineMethods.Contains(request.Method)
                            ? await methods.InvokeAsync(request, context)
                            : await Task.Run(() => methods.InvokeAsync(request, context).AsTask());
                    }
                    finally
                    {
                        Wipe(request.Body); // it may have held a password or key material
                    }
                }
                await WriteAsync(output, reply);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // the client went away, or the node is stopping
        }
        catch (Exception e)
        {
            LogUnexpected(logger, e.GetType().Name);
        }
        finally
        {
            await input.CompleteAsync();
            await output.CompleteAsync();
        }
    }

    private enum Frame { Incomplete, Complete, TooLarge }

    /// <summary>Reads one frame if the buffer holds all of it; <paramref name="request"/> is null when its bytes are not a WireRequest.</summary>
    private static Frame TryReadFrame(ReadOnlySequence<byte> buffer, out WireRequest? request, out SequencePosition consumed)
    {
        request = null;
        consumed = buffer.Start;
        if (buffer.Length < WireFraming.HeaderBytes) return Frame.Incomplete;
        Span<byte> header = stackalloc byte[WireFraming.HeaderBytes];
        buffer.Slice(0, WireFraming.HeaderBytes).CopyTo(header);
        var length = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (length > WireFraming.MaxRequestFrameBytes) return Frame.TooLarge;
        if (buffer.Length < WireFraming.HeaderBytes + length) return Frame.Incomplete;
        var body = buffer.Slice(WireFraming.HeaderBytes, length);
        consumed = body.End;
        try
        {
            request = WireRequest.Parser.ParseFrom(body);
        }
        catch (InvalidProtocolBufferException)
        {
            request = null;
        }
        return Frame.Complete;
    }

    private static async ValueTask WriteAsync(PipeWriter output, WireReply reply)
    {
        if (reply.Body.Length > WireFraming.MaxReplyBodyBytes)
        {
            // As gRPC's send limit: the client asked for more than one reply carries.
            reply = WireMethodTable.Refusal(HsmError.RET_INVALID_INPUT,
                $"The reply would exceed {WireFraming.MaxReplyBodyBytes} bytes; ask for less at a time (a smaller page).");
        }
        var size = reply.CalculateSize();
        BinaryPrimitives.WriteInt32BigEndian(output.GetSpan(WireFraming.HeaderBytes), size);
        output.Advance(WireFraming.HeaderBytes);
        reply.WriteTo(output);
        await output.FlushAsync();
    }

    private static void Wipe(ByteString bytes)
    {
        if (MemoryMarshal.TryGetArray(bytes.Memory, out var segment) && segment.Array is not null)
        {
            CryptographicOperations.ZeroMemory(segment.AsSpan());
        }
    }

    // Only the exception type is logged: messages of unexpected exceptions may carry data.
    [LoggerMessage(EventId = 12, Level = LogLevel.Error, Message = "Unexpected {ExceptionType} on a wire connection; it was closed")]
    private static partial void LogUnexpected(ILogger logger, string exceptionType);
}
