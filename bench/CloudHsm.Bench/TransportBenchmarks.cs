using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CloudHsm.Client.Wire;
using CloudHsm.Protocol.V1;

namespace CloudHsm.Bench;

/// <summary>
/// One call at a time, one thread: the latency of a unary gRPC call (blocking, as the PKCS#11
/// module's first transport makes it, and awaited) against a call of the wire transport, for an
/// ECDSA P-256 signature and for 32 random bytes (a call that costs the node almost nothing, so
/// what remains is transport). <c>Local_EcdsaP256Sign</c> is the signature alone, in this process,
/// to subtract. Needs a running node: see <see cref="TransportTarget"/>; run with <c>--transport</c>.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class TransportBenchmarks
{
    private TransportTarget _target = null!;
    private Crypto.CryptoClient _grpc = null!;
    private WireConnection _wire = null!;
    private SignRequest _sign = null!;
    private readonly RandomRequest _random = new() { Length = 32 };
    private ECDsa _local = null!;
    private readonly byte[] _data = new byte[32];

    [GlobalSetup]
    public void Setup()
    {
        _target = TransportTarget.Open();
        _grpc = new Crypto.CryptoClient(_target.Channel);
        _wire = new WireConnection(_target.Config, "cloudhsm-bench") { AuthorizationToken = _target.Token };
        _sign = TransportTarget.SignRequest(_target.PrivateKey);
        _local = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        // Both connections open before measuring.
        _grpc.Sign(_sign, _target.Headers);
        _wire.Call(TransportTarget.SignMethod, _sign, SignReply.Parser);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _wire.Dispose();
        _local.Dispose();
        _target.Dispose();
    }

    [Benchmark(Baseline = true), BenchmarkCategory("ECDSA P-256 sign")]
    public SignReply Grpc_Sign_Blocking() => _grpc.Sign(_sign, _target.Headers);

    [Benchmark, BenchmarkCategory("ECDSA P-256 sign")]
    public async Task<SignReply> Grpc_Sign_Async() => await _grpc.SignAsync(_sign, _target.Headers);

    [Benchmark, BenchmarkCategory("ECDSA P-256 sign")]
    public SignReply Wire_Sign() => _wire.Call(TransportTarget.SignMethod, _sign, SignReply.Parser);

    [Benchmark, BenchmarkCategory("ECDSA P-256 sign")]
    public byte[] Local_EcdsaP256Sign() => _local.SignData(_data, HashAlgorithmName.SHA256);

    [Benchmark(Baseline = true), BenchmarkCategory("32 random bytes")]
    public RandomReply Grpc_Random_Blocking() => _grpc.GenerateRandom(_random, _target.Headers);

    [Benchmark, BenchmarkCategory("32 random bytes")]
    public RandomReply Wire_Random() => _wire.Call(TransportTarget.RandomMethod, _random, RandomReply.Parser);
}
