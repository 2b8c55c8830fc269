using System.Security.Cryptography;
using CloudHsm.Pkcs11.Abi;
using CloudHsm.Pkcs11.Module;
using CloudHsm.Pkcs11.Transport;
using CloudHsm.Protocol.V1;
using Google.Protobuf;

namespace CloudHsm.Pkcs11.Exports;

/// <summary>
/// The steps every cryptographic operation shares: *Init checks mechanism, parameters and key before
/// the operation exists; *Update buffers; the single-part call and *Final compute once and hand the
/// result out by the length-query protocol. Any error ends the operation; a length query and
/// CKR_BUFFER_TOO_SMALL do not.
/// </summary>
internal static unsafe class OperationSteps
{
    public static void Init(ulong hSession, CK_MECHANISM* pMechanism, ulong hKey, OperationKind kind)
    {
        var session = Pkcs11Module.Current.Session(hSession);
        Native.Required(pMechanism);
        lock (session.Gate)
        {
            if (session.IsActive(kind)) throw new CkException(Ckr.OPERATION_ACTIVE);
            var mechanism = Mechanisms.Require(pMechanism->mechanism, FunctionOf(kind));
            var parameters = MechanismParameters.Read(pMechanism, mechanism);
            if (kind != OperationKind.Digest)
            {
                session.Module.RequireUser();
                CheckKey(session.Module.KeyDescriptions.Fetch(session.Transport, hKey, Ckr.KEY_HANDLE_INVALID), mechanism, kind);
            }
            session.Begin(new Operation(kind, mechanism, hKey, parameters));
        }
    }

    public static void Update(ulong hSession, OperationKind kind, byte* part, ulong partLength)
    {
        var session = Pkcs11Module.Current.Session(hSession);
        lock (session.Gate)
        {
            var operation = session.Active(kind);
            try
            {
                if (operation.Pending is not null) throw new CkException(Ckr.OPERATION_ACTIVE);
                operation.Append(Native.In(part, partLength));
            }
            catch
            {
                session.End(kind);
                throw;
            }
        }
    }

    /// <summary>The single-part call (with its input) or *Final (input empty): compute once, then deliver.</summary>
    public static ulong Finish(ulong hSession, OperationKind kind, byte* lastPart, ulong lastPartLength, byte* output, ulong* outputLength)
    {
        var session = Pkcs11Module.Current.Session(hSession);
        lock (session.Gate)
        {
            var operation = session.Active(kind);
            ulong rv;
            bool delivered;
            try
            {
                Native.Required(outputLength);
                if (operation.Pending is null)
                {
                    operation.Append(Native.In(lastPart, lastPartLength));
                    operation.Pending = Compute(session, operation);
                }
                rv = Native.Out(operation.Pending, output, outputLength, out delivered);
            }
            catch
            {
                session.End(kind);
                throw;
            }
            if (delivered) session.End(kind);
            return rv;
        }
    }

    /// <summary>C_Verify / C_VerifyFinal: the operation ends whatever the answer.</summary>
    public static ulong Verify(ulong hSession, byte* lastPart, ulong lastPartLength, byte* signature, ulong signatureLength)
    {
        var session = Pkcs11Module.Current.Session(hSession);
        lock (session.Gate)
        {
            var operation = session.Active(OperationKind.Verify);
            try
            {
                operation.Append(Native.In(lastPart, lastPartLength));
                var request = new VerifyRequest
                {
                    Handle = operation.Key,
                    Mechanism = operation.Mechanism.Id,
                    Data = ByteString.CopyFrom(operation.Input),
                    Signature = ByteString.CopyFrom(Native.In(signature, signatureLength)),
                };
                var valid = session.Transport.Call(NodeMethods.Verify, request, VerifyReply.Parser).Valid;
                return valid ? Ckr.OK : Ckr.SIGNATURE_INVALID;
            }
            finally
            {
                session.End(OperationKind.Verify);
            }
        }
    }

    private static byte[] Compute(Session session, Operation operation)
    {
        var input = ByteString.CopyFrom(operation.Input);
        var transport = session.Transport;
        switch (operation.Kind)
        {
            case OperationKind.Encrypt:
                return transport.Call(NodeMethods.Encrypt, Cipher(operation, input), EncryptReply.Parser).Data.ToByteArray();
            case OperationKind.Decrypt:
                return transport.Call(NodeMethods.Decrypt, Cipher(operation, input), DecryptReply.Parser).Data.ToByteArray();
            case OperationKind.Sign:
                return transport.Call(NodeMethods.Sign, new SignRequest { Handle = operation.Key, Mechanism = operation.Mechanism.Id, Data = input },
                    SignReply.Parser).Signature.ToByteArray();
            case OperationKind.Digest:
                // A digest needs no key, so a public session may ask for one: it is computed here then.
                return session.Module.LoggedInAs is null
                    ? LocalDigest(operation.Mechanism.Id, operation.Input)
                    : transport.Call(NodeMethods.Digest, new DigestRequest { Mechanism = operation.Mechanism.Id, Data = input }, DigestReply.Parser).Digest.ToByteArray();
            default:
                throw new CkException(Ckr.OPERATION_NOT_INITIALIZED);
        }
    }

    private static CipherRequest Cipher(Operation operation, ByteString input) => new()
    {
        Handle = operation.Key,
        Mechanism = operation.Mechanism.Id,
        Parameters = operation.Parameters ?? new CipherParameters(),
        Data = input,
    };

    private static byte[] LocalDigest(ulong mechanism, ReadOnlySpan<byte> data) => mechanism switch
    {
        // .NET has no SHA-224: without a login there is no node to ask.
        Ckm.SHA224 => throw new CkException(Ckr.USER_NOT_LOGGED_IN),
        Ckm.SHA256 => SHA256.HashData(data),
        Ckm.SHA384 => SHA384.HashData(data),
        Ckm.SHA512 => SHA512.HashData(data),
        _ => throw new CkException(Ckr.MECHANISM_INVALID),
    };

    private static ulong FunctionOf(OperationKind kind) => kind switch
    {
        OperationKind.Encrypt => Ckf.ENCRYPT,
        OperationKind.Decrypt => Ckf.DECRYPT,
        OperationKind.Sign => Ckf.SIGN,
        OperationKind.Verify => Ckf.VERIFY,
        _ => Ckf.DIGEST,
    };

    /// <summary>CKR_KEY_TYPE_INCONSISTENT for a key of the wrong class or type, CKR_KEY_FUNCTION_NOT_PERMITTED when its usage flag forbids.</summary>
    private static void CheckKey(KeyObject key, MechanismEntry mechanism, OperationKind kind)
    {
        var (usage, asymmetricClass) = kind switch
        {
            OperationKind.Encrypt => (Cka.ENCRYPT, Cko.PUBLIC_KEY),
            OperationKind.Decrypt => (Cka.DECRYPT, Cko.PRIVATE_KEY),
            OperationKind.Sign => (Cka.SIGN, Cko.PRIVATE_KEY),
            _ => (Cka.VERIFY, Cko.PUBLIC_KEY),
        };
        if (key.Class != Cko.SECRET_KEY && key.Class != asymmetricClass) throw new CkException(Ckr.KEY_TYPE_INCONSISTENT);
        if (Array.IndexOf(mechanism.KeyTypes, key.KeyType) < 0) throw new CkException(Ckr.KEY_TYPE_INCONSISTENT);
        if (!key.IsTrue(usage)) throw new CkException(Ckr.KEY_FUNCTION_NOT_PERMITTED);
    }
}
