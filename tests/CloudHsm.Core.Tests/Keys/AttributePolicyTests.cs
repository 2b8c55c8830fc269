using CloudHsm.Core.Commands;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Keys;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Tests.Keys;

public sealed class AttributePolicyTests
{
    private static readonly Actor Owner = new("alice", UserType.CU);
    private static readonly Actor OtherUser = new("bob", UserType.CU);
    private static readonly Actor Officer = new("admin", UserType.CO);

    private static AttributeSet NewAesKey(AttributeSet? template = null, AttributePolicy.Origin origin = AttributePolicy.Origin.Generated) =>
        AttributePolicy.ForNewKey(ObjectClass.SecretKey, KeyType.Aes, template ?? AttributeSet.Empty, origin);

    private static HsmError Refusal(Action action) => Assert.Throws<HsmException>(action).Error;

    [Fact]
    public void GeneratedKey_GetsSafeDefaultsAndItsHistory()
    {
        var key = NewAesKey(AttributeSet.Empty.With(AttributeId.Extractable, false));

        Assert.True(key.IsTrue(AttributeId.Sensitive));
        Assert.True(key.IsTrue(AttributeId.Local));
        Assert.True(key.IsTrue(AttributeId.AlwaysSensitive));
        Assert.True(key.IsTrue(AttributeId.NeverExtractable));
        Assert.False(key.IsTrue(AttributeId.Trusted));
        Assert.False(key.IsTrue(AttributeId.WrapWithTrusted));
        Assert.True(key.IsTrue(AttributeId.Encrypt));
        Assert.False(key.Contains(AttributeId.Sign));
    }

    [Fact]
    public void ImportedKey_IsNeverLocalNorAlwaysSensitive()
    {
        var key = NewAesKey(AttributeSet.Empty.With(AttributeId.Extractable, false), AttributePolicy.Origin.Imported);

        Assert.False(key.IsTrue(AttributeId.Local));
        Assert.False(key.IsTrue(AttributeId.AlwaysSensitive));
        Assert.False(key.IsTrue(AttributeId.NeverExtractable));
    }

    [Fact]
    public void TemplateNamingUsages_GetsOnlyThose()
    {
        var key = NewAesKey(AttributeSet.Empty.With(AttributeId.Wrap, true));

        Assert.True(key.IsTrue(AttributeId.Wrap));
        Assert.False(key.IsTrue(AttributeId.Encrypt));
        Assert.False(key.IsTrue(AttributeId.Decrypt));
    }

    [Theory]
    [InlineData(AttributeId.Local)]
    [InlineData(AttributeId.NeverExtractable)]
    [InlineData(AttributeId.AlwaysSensitive)]
    [InlineData(AttributeId.Kcv)]
    [InlineData(AttributeId.KeyGenMechanism)]
    public void TemplateSettingANodeComputedAttribute_IsRefused(AttributeId id)
    {
        var value = AttributeTable.Has(id, AttributeRule.Boolean) ? AttributeSet.Encode(true) : AttributeSet.Encode(1UL);
        Assert.Equal(HsmError.RET_ATTRIBUTE_READ_ONLY, Refusal(() => NewAesKey(AttributeSet.Empty.With(id, value))));
    }

    [Fact]
    public void TemplateMarkingAKeyTrusted_IsRefused() =>
        Assert.Equal(HsmError.RET_OPERATION_NOT_PERMITTED, Refusal(() => NewAesKey(AttributeSet.Empty.With(AttributeId.Trusted, true))));

    [Fact]
    public void TemplateWithAnImpossibleUsage_IsRefused()
    {
        Assert.Equal(HsmError.RET_ATTRIBUTE_VALUE_INVALID, Refusal(() => NewAesKey(AttributeSet.Empty.With(AttributeId.Sign, true))));
        Assert.Equal(HsmError.RET_ATTRIBUTE_VALUE_INVALID, Refusal(() => AttributePolicy.ForNewKey(ObjectClass.PublicKey, KeyType.Ec,
            AttributeSet.Empty.With(AttributeId.Sign, true), AttributePolicy.Origin.Generated)));
    }

    [Fact]
    public void TemplateWithAnUnknownAttributeOrBadShape_IsRefused()
    {
        Assert.Equal(HsmError.RET_ATTRIBUTE_TYPE_INVALID, Refusal(() => NewAesKey(AttributeSet.Empty.With((AttributeId)0x7777, [1]))));
        Assert.Equal(HsmError.RET_ATTRIBUTE_VALUE_INVALID, Refusal(() => NewAesKey(AttributeSet.Empty.With(AttributeId.Sensitive, [2]))));
        Assert.Equal(HsmError.RET_ATTRIBUTE_VALUE_INVALID, Refusal(() => NewAesKey(AttributeSet.Empty.With(AttributeId.Label, new string('x', 200)))));
        Assert.Equal(HsmError.RET_ATTRIBUTE_VALUE_INVALID, Refusal(() => NewAesKey(AttributeSet.Empty.With(AttributeId.Class, (ulong)ObjectClass.PrivateKey))));
    }

    [Fact]
    public void Extractable_GoesFromOneToZeroOnly()
    {
        var key = NewAesKey();
        var sealedKey = AttributePolicy.Change(key, AttributeId.Extractable, AttributeSet.Encode(false), Owner, true, UserRestrictions.None);

        Assert.False(sealedKey.IsTrue(AttributeId.Extractable));
        Assert.Equal(HsmError.RET_ATTRIBUTE_READ_ONLY, Refusal(() =>
            AttributePolicy.Change(sealedKey, AttributeId.Extractable, AttributeSet.Encode(true), Owner, true, UserRestrictions.None)));
        // The history shows the key was extractable once.
        Assert.False(sealedKey.IsTrue(AttributeId.NeverExtractable));
    }

    [Theory]
    [InlineData(AttributeId.WrapWithTrusted)]
    [InlineData(AttributeId.Sensitive)]
    [InlineData(AttributeId.Token)]
    public void FalseToTrueOnlyAttributes_NeverGoBack(AttributeId id)
    {
        var key = NewAesKey();
        var raised = AttributePolicy.Change(key, id, AttributeSet.Encode(true), Owner, true, UserRestrictions.None);

        Assert.True(raised.IsTrue(id));
        Assert.Equal(HsmError.RET_ATTRIBUTE_READ_ONLY, Refusal(() =>
            AttributePolicy.Change(raised, id, AttributeSet.Encode(false), Owner, true, UserRestrictions.None)));
    }

    [Fact]
    public void Trusted_IsSetByAnOfficerOnly()
    {
        var key = NewAesKey();

        Assert.Equal(HsmError.RET_OPERATION_NOT_PERMITTED, Refusal(() =>
            AttributePolicy.Change(key, AttributeId.Trusted, AttributeSet.Encode(true), Owner, true, UserRestrictions.None)));
        Assert.True(AttributePolicy.Change(key, AttributeId.Trusted, AttributeSet.Encode(true), Officer, false, UserRestrictions.None).IsTrue(AttributeId.Trusted));
    }

    [Fact]
    public void OfficerCannotChangeAnythingButTrusted() =>
        Assert.Equal(HsmError.RET_OPERATION_NOT_PERMITTED, Refusal(() =>
            AttributePolicy.Change(NewAesKey(), AttributeId.Label, "x"u8.ToArray(), Officer, false, UserRestrictions.None)));

    [Fact]
    public void OnlyTheOwnerChangesAKey() =>
        Assert.Equal(HsmError.RET_OPERATION_NOT_PERMITTED, Refusal(() =>
            AttributePolicy.Change(NewAesKey(), AttributeId.Label, "x"u8.ToArray(), OtherUser, false, UserRestrictions.None)));

    [Fact]
    public void RestrictedOwnerCannotModify() =>
        Assert.Equal(HsmError.RET_OPERATION_NOT_PERMITTED, Refusal(() =>
            AttributePolicy.Change(NewAesKey(), AttributeId.Label, "x"u8.ToArray(), Owner, true, UserRestrictions.NoModifyAttributes)));

    [Theory]
    [InlineData(AttributeId.Id)]
    [InlineData(AttributeId.Kcv)]
    [InlineData(AttributeId.Class)]
    [InlineData(AttributeId.Value)]
    [InlineData(AttributeId.Local)]
    public void ImmutableAttributes_CannotChange(AttributeId id) =>
        Assert.Equal(HsmError.RET_ATTRIBUTE_READ_ONLY, Refusal(() =>
            AttributePolicy.Change(NewAesKey(), id, AttributeSet.Encode(1UL), Owner, true, UserRestrictions.None)));

    [Fact]
    public void UnmodifiableKey_RefusesEveryChange()
    {
        var key = AttributePolicy.Change(NewAesKey(), AttributeId.Modifiable, AttributeSet.Encode(false), Owner, true, UserRestrictions.None);

        Assert.Equal(HsmError.RET_ATTRIBUTE_READ_ONLY, Refusal(() =>
            AttributePolicy.Change(key, AttributeId.Label, "x"u8.ToArray(), Owner, true, UserRestrictions.None)));
        Assert.Equal(HsmError.RET_ATTRIBUTE_READ_ONLY, Refusal(() =>
            AttributePolicy.Change(key, AttributeId.Trusted, AttributeSet.Encode(true), Officer, false, UserRestrictions.None)));
    }

    [Fact]
    public void UsageThatTheKeyCannotHave_CannotBeSwitchedOn() =>
        Assert.Equal(HsmError.RET_ATTRIBUTE_VALUE_INVALID, Refusal(() =>
            AttributePolicy.Change(NewAesKey(), AttributeId.Sign, AttributeSet.Encode(true), Owner, true, UserRestrictions.None)));

    [Fact]
    public void SecretValue_IsNeverReadFromASensitiveOrNonExtractableKey()
    {
        var material = new byte[] { 1, 2, 3, 4 };
        var sensitive = NewAesKey().With(AttributeId.Value, material);
        var readable = NewAesKey(AttributeSet.Empty.With(AttributeId.Sensitive, false)).With(AttributeId.Value, material);
        var nonExtractable = NewAesKey(AttributeSet.Empty.With(AttributeId.Sensitive, false).With(AttributeId.Extractable, false)).With(AttributeId.Value, material);

        Assert.Equal(HsmError.RET_ATTRIBUTE_SENSITIVE, Refusal(() => AttributePolicy.Read(sensitive, AttributeId.Value)));
        Assert.Equal(HsmError.RET_ATTRIBUTE_SENSITIVE, Refusal(() => AttributePolicy.Read(nonExtractable, AttributeId.Value)));
        Assert.Equal(material, AttributePolicy.Read(readable, AttributeId.Value));
        Assert.Equal(AttributeSet.Encode(true), AttributePolicy.Read(sensitive, AttributeId.Sensitive));
    }
}
