using System.Buffers.Binary;
using System.Diagnostics;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace CloudHsm.Pkcs11Load;

/// <summary>
/// The measured operations. Each makes its key once (in the first session; visible to every
/// session of the application) and returns, per thread, the call to repeat on that thread's session.
/// </summary>
internal sealed class Operations(Pkcs11InteropFactories factories, LoadOptions options, TextWriter log)
{
    public const string RsaSign = "rsa-sign";
    public const string EcdsaSign = "ecdsa-sign";
    public const string AesGcm = "aes-gcm";
    public const string Hmac = "hmac";
    public const string Random = "random";
    public const string Find = "find";

    public static readonly IReadOnlyList<string> All = [RsaSign, EcdsaSign, AesGcm, Hmac, Random, Find];

    /// <summary>P-256 as CKA_EC_PARAMS (the named curve's OID, DER).</summary>
    private static readonly byte[] P256Params = [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];

    private readonly byte[] _data64 = System.Security.Cryptography.RandomNumberGenerator.GetBytes(64);
    private readonly byte[] _digest32 = System.Security.Cryptography.SHA256.HashData("bench"u8);
    private readonly byte[] _data1K = System.Security.Cryptography.RandomNumberGenerator.GetBytes(1024);
    private int _objectsMade;

    /// <summary>What the call does, for the report.</summary>
    public static string Describe(string op) => op switch
    {
        RsaSign => "RSA-2048 sign, CKM_SHA256_RSA_PKCS, 64 bytes",
        EcdsaSign => "ECDSA P-256 sign, CKM_ECDSA over a 32-byte digest",
        AesGcm => "AES-256-GCM encrypt 1 KiB (12-byte IV, 128-bit tag)",
        Hmac => "HMAC-SHA256 of 1 KiB, CKM_SHA256_HMAC",
        Random => "C_GenerateRandom, 32 bytes",
        Find => "find one object by CKA_LABEL",
        _ => op,
    };

    /// <summary>Makes what <paramref name="op"/> needs and returns the factory of per-thread calls.</summary>
    public Func<ISession, int, Action> Prepare(string op, IReadOnlyList<ISession> sessions, int objects) => Prepare(op, sessions[0], sessions, objects);

    private Func<ISession, int, Action> Prepare(string op, ISession session, IReadOnlyList<ISession> sessions, int objects) => op switch
    {
        RsaSign => SignWith(RsaKey(session), CKM.CKM_SHA256_RSA_PKCS, _data64),
        EcdsaSign => SignWith(EcKey(session), CKM.CKM_ECDSA, _digest32), // SoftHSM2 2.6 has no CKM_ECDSA_SHA256
        Hmac => SignWith(SecretKey(session, CKM.CKM_GENERIC_SECRET_KEY_GEN, CKK.CKK_GENERIC_SECRET, 32, CKA.CKA_SIGN, "bench-hmac"), CKM.CKM_SHA256_HMAC, _data1K),
        AesGcm => GcmEncrypt(SecretKey(session, CKM.CKM_AES_KEY_GEN, CKK.CKK_AES, 32, CKA.CKA_ENCRYPT, "bench-aes")),
        Random => (s, _) => () => s.GenerateRandom(32),
        Find => FindAmong(sessions, objects),
        _ => throw new ArgumentException(op),
    };

    private Func<ISession, int, Action> SignWith(IObjectHandle key, CKM mechanism, byte[] data) => (s, _) =>
    {
        var m = factories.MechanismFactory.Create(mechanism);
        return () => s.Sign(m, key, data);
    };

    private Func<ISession, int, Action> GcmEncrypt(IObjectHandle key) => (s, thread) =>
    {
        // A fresh IV per call (thread number and a counter), as a real caller must.
        var iv = new byte[12];
        BinaryPrimitives.WriteInt32BigEndian(iv, thread);
        ulong counter = 0;
        return () =>
        {
            BinaryPrimitives.WriteUInt64BigEndian(iv.AsSpan(4), ++counter);
            using var parameters = factories.MechanismParamsFactory.CreateCkGcmParams(iv, 96, null, 128);
            using var m = factories.MechanismFactory.Create(CKM.CKM_AES_GCM, parameters);
            s.Encrypt(m, key, _data1K);
        };
    };

    private Func<ISession, int, Action> FindAmong(IReadOnlyList<ISession> sessions, int objects)
    {
        MakeObjects(sessions, objects);
        return (s, thread) =>
        {
            var random = new System.Random(thread);
            return () =>
            {
                var found = s.FindAllObjects([Attribute(CKA.CKA_LABEL, ObjectLabel(random.Next(objects)))]);
                if (found.Count != 1) throw new InvalidOperationException($"find by label returned {found.Count} objects, not 1.");
            };
        };
    }

    private static string ObjectLabel(int i) => $"bench-obj-{i:D7}";

    /// <summary>
    /// Grows the objects to find among to <paramref name="count"/> AES-128 keys labelled
    /// bench-obj-0000000..., made on every session at once; when the last of them exists already
    /// (token objects of an earlier run against this token), none are made.
    /// </summary>
    private void MakeObjects(IReadOnlyList<ISession> sessions, int count)
    {
        if (options.TokenObjects && _objectsMade < count
            && sessions[0].FindAllObjects([Attribute(CKA.CKA_LABEL, ObjectLabel(count - 1))]).Count > 0)
        {
            _objectsMade = count; // made by an earlier run against this token
        }
        if (_objectsMade >= count) return;
        var watch = Stopwatch.StartNew();
        var from = _objectsMade;
        var next = from - 1;
        var made = 0;
        Parallel.ForEach(sessions, new ParallelOptions { MaxDegreeOfParallelism = sessions.Count }, session =>
        {
            var mechanism = factories.MechanismFactory.Create(CKM.CKM_AES_KEY_GEN);
            for (var i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
            {
                session.GenerateKey(mechanism, [
                    Attribute(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), Attribute(CKA.CKA_KEY_TYPE, CKK.CKK_AES),
                    Attribute(CKA.CKA_VALUE_LEN, 16UL), Attribute(CKA.CKA_TOKEN, options.TokenObjects),
                    Attribute(CKA.CKA_LABEL, ObjectLabel(i)), Attribute(CKA.CKA_ENCRYPT, true),
                ]);
                if (Interlocked.Increment(ref made) % 10_000 == 0) log.WriteLine($"  {options.Name}: {from + made:N0} objects made ({watch.Elapsed.TotalSeconds:F1} s)");
            }
        });
        _objectsMade = count;
        log.WriteLine($"  {options.Name}: made {count - from:N0} {(options.TokenObjects ? "token" : "session")} objects on {sessions.Count} session(s) in {watch.Elapsed.TotalSeconds:F1} s ({(count - from) / watch.Elapsed.TotalSeconds:F0}/s)");
    }

    private IObjectHandle RsaKey(ISession session)
    {
        session.GenerateKeyPair(factories.MechanismFactory.Create(CKM.CKM_RSA_PKCS_KEY_PAIR_GEN),
            [Attribute(CKA.CKA_TOKEN, options.TokenKeys), Attribute(CKA.CKA_VERIFY, true), Attribute(CKA.CKA_MODULUS_BITS, 2048UL),
             Attribute(CKA.CKA_PUBLIC_EXPONENT, new byte[] { 1, 0, 1 }), Attribute(CKA.CKA_LABEL, "bench-rsa")],
            [Attribute(CKA.CKA_TOKEN, options.TokenKeys), Attribute(CKA.CKA_SIGN, true), Attribute(CKA.CKA_PRIVATE, true),
             Attribute(CKA.CKA_SENSITIVE, true), Attribute(CKA.CKA_LABEL, "bench-rsa")],
            out _, out var privateKey);
        return privateKey;
    }

    private IObjectHandle EcKey(ISession session)
    {
        session.GenerateKeyPair(factories.MechanismFactory.Create(CKM.CKM_EC_KEY_PAIR_GEN),
            [Attribute(CKA.CKA_TOKEN, options.TokenKeys), Attribute(CKA.CKA_VERIFY, true), Attribute(CKA.CKA_EC_PARAMS, P256Params),
             Attribute(CKA.CKA_LABEL, "bench-ec")],
            [Attribute(CKA.CKA_TOKEN, options.TokenKeys), Attribute(CKA.CKA_SIGN, true), Attribute(CKA.CKA_PRIVATE, true),
             Attribute(CKA.CKA_SENSITIVE, true), Attribute(CKA.CKA_LABEL, "bench-ec")],
            out _, out var privateKey);
        return privateKey;
    }

    private IObjectHandle SecretKey(ISession session, CKM generator, CKK type, ulong length, CKA usage, string label) =>
        session.GenerateKey(factories.MechanismFactory.Create(generator), [
            Attribute(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), Attribute(CKA.CKA_KEY_TYPE, type), Attribute(CKA.CKA_VALUE_LEN, length),
            Attribute(CKA.CKA_TOKEN, options.TokenKeys), Attribute(usage, true), Attribute(CKA.CKA_SENSITIVE, true),
            Attribute(CKA.CKA_LABEL, label),
        ]);

    private IObjectAttribute Attribute(CKA type, object value) => value switch
    {
        bool b => factories.ObjectAttributeFactory.Create(type, b),
        string s => factories.ObjectAttributeFactory.Create(type, s),
        byte[] bytes => factories.ObjectAttributeFactory.Create(type, bytes),
        ulong n => factories.ObjectAttributeFactory.Create(type, n),
        CKO o => factories.ObjectAttributeFactory.Create(type, o),
        CKK k => factories.ObjectAttributeFactory.Create(type, k),
        _ => throw new ArgumentException($"No attribute of {value.GetType()}."),
    };
}
