using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Sessions;

namespace CloudHsm.Core.Keys;

/// <summary>
/// Masked objects: one key object with all its metadata (owner, shares, attributes, dates),
/// encrypted and authenticated (AES-256-GCM) under the partition's masking key, which derives from
/// the domain secret. Only this partition, or one restored from its backup, can insert it again; it
/// works for non-extractable keys because the material never leaves in clear. A blob that was
/// altered, truncated or made by another partition is refused and changes nothing.
/// </summary>
public sealed class MaskedObjectService(KeyObjects objects)
{
    private const string Purpose = "cloudhsm/masked-object/v1";
    private static readonly byte[] Magic = "CHSMMO01"u8.ToArray();
    public const int MaxBlobBytes = 64 * 1024;

    /// <summary>extractMaskedObject: the owner's key as a masked blob.</summary>
    public byte[] Extract(LoginContext caller, ulong handle)
    {
        var key = objects.Owned(caller, handle, "extract");
        var json = objects.WithMaterial(key, material => JsonSerializer.SerializeToUtf8Bytes(new MaskedObjectDocument(
            key.Owner, [.. key.Shares], [.. key.Attributes.Values.Select(kv => new MaskedAttribute((long)kv.Key, kv.Value))],
            material, key.CreatedAt, key.LastUsedAt, key.RetiredAt), MaskedObjectJson.Default.MaskedObjectDocument));
        try
        {
            return [.. Magic, .. objects.DomainKeys.Masking.Seal(json, Purpose)];
        }
        finally
        {
            CryptographicOperations.ZeroMemory(json);
        }
    }

    /// <summary>insertMaskedObject: the key comes back under a new handle, with its owner and shares; only its owner inserts it.</summary>
    public async ValueTask<ulong> InsertAsync(LoginContext caller, ReadOnlyMemory<byte> blob, CancellationToken ct = default)
    {
        objects.RequireUser(caller);
        var document = Open(blob.Span);
        try
        {
            if (document.Owner != caller.Actor.Name)
            {
                throw new HsmException(HsmError.RET_OPERATION_NOT_PERMITTED, "Only the key's owner inserts its masked object.");
            }
            // TRUSTED is a CO's mark on a key as it is now: an old blob must not bring back a mark
            // the CO has since taken away, so an inserted key is untrusted until a CO marks it again.
            var attributes = new AttributeSet(ImmutableSortedDictionary.CreateRange(
                document.Attributes.Select(a => KeyValuePair.Create((Keys.AttributeId)a.Id, a.Value)))).With(Keys.AttributeId.Trusted, false);
            var material = document.Material.ToArray();
            var handles = await objects.CreateAsync(caller, [(attributes, material)], document.Shares, ct,
                new Commands.KeyHistory(document.CreatedAt, document.LastUsedAt, document.RetiredAt));
            return handles[0];
        }
        finally
        {
            CryptographicOperations.ZeroMemory(document.Material);
        }
    }

    private MaskedObjectDocument Open(ReadOnlySpan<byte> blob)
    {
        if (blob.Length > MaxBlobBytes || !blob.StartsWith(Magic)
            || !objects.DomainKeys.Masking.TryUnseal(blob[Magic.Length..], Purpose, out var json))
        {
            throw new HsmException(HsmError.RET_MASKED_OBJECT_INVALID,
                "The masked object does not open in this partition: it was altered, or made by another partition.");
        }
        try
        {
            return JsonSerializer.Deserialize(json, MaskedObjectJson.Default.MaskedObjectDocument)
                ?? throw new HsmException(HsmError.RET_MASKED_OBJECT_INVALID, "The masked object is empty.");
        }
        catch (JsonException)
        {
            throw new HsmException(HsmError.RET_MASKED_OBJECT_INVALID, "The masked object's content is not readable.");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(json);
        }
    }
}

internal sealed record MaskedObjectDocument(string Owner, string[] Shares, MaskedAttribute[] Attributes, byte[] Material,
    DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RetiredAt);

internal sealed record MaskedAttribute(long Id, byte[] Value);

[JsonSerializable(typeof(MaskedObjectDocument))]
internal sealed partial class MaskedObjectJson : JsonSerializerContext;
