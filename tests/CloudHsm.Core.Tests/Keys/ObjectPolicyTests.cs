using CloudHsm.Core.Commands;
using CloudHsm.Core.Errors;
using CloudHsm.Core.Keys;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Tests.Keys;

/// <summary>The policy of certificates and data objects, and of copies (C_CopyObject), as pure functions of attribute sets.</summary>
public sealed class ObjectPolicyTests
{
    private static readonly Actor Owner = new("alice", UserType.CU);
    private static readonly byte[] Subject = [0x30, 0x03, 0x01, 0x02, 0x03];
    private static readonly byte[] CheckValue = [0xAA, 0xBB, 0xCC];
    private static readonly AttributeSet Derived = AttributeSet.Empty
        .With(AttributeId.Subject, Subject).With(AttributeId.Issuer, Subject).With(AttributeId.SerialNumber, [0x02, 0x01, 0x05])
        .With(AttributeId.CheckValue, CheckValue);
    private static readonly AttributeSet X509 = AttributeSet.Empty.With(AttributeId.CertificateType, AttributePolicy.X509CertificateType);

    private static AttributeSet Certificate(AttributeSet template) => AttributePolicy.ForNewObject(ObjectClass.Certificate, template, Derived);

    private static AttributeSet Aes(AttributeSet? template = null) =>
        AttributePolicy.ForNewKey(ObjectClass.SecretKey, KeyType.Aes, template ?? AttributeSet.Empty, AttributePolicy.Origin.Generated);

    private static AttributeSet Copy(AttributeSet original, AttributeSet template) =>
        AttributePolicy.ForCopy(original, template, Owner, actorIsOwner: true, UserRestrictions.None);

    private static HsmError Refusal(Action action) => Assert.Throws<HsmException>(action).Error;

    [Fact]
    public void Certificate_GetsTheStandardDefaults_AndWhatItsValueSays()
    {
        var set = Certificate(X509.With(AttributeId.Label, "web"));

        Assert.Equal((ulong)ObjectClass.Certificate, set.Number(AttributeId.Class));
        Assert.False(set.IsTrue(AttributeId.Private));
        Assert.False(set.IsTrue(AttributeId.Trusted));
        Assert.True(set.IsTrue(AttributeId.Modifiable));
        Assert.Equal(0UL, set.Number(AttributeId.CertificateCategory));
        Assert.Equal(Subject, set.Raw(AttributeId.Subject));
        Assert.Equal(CheckValue, set.Raw(AttributeId.CheckValue));
        Assert.False(set.Contains(AttributeId.KeyType));
        Assert.False(set.Contains(AttributeId.Value));
    }

    [Fact]
    public void CertificateTemplate_KeepsItsOwnSubject_ButMayStateOnlyTheTrueCheckValue()
    {
        byte[] other = [0x30, 0x00];
        Assert.Equal(other, Certificate(X509.With(AttributeId.Subject, other)).Raw(AttributeId.Subject));
        Assert.Equal(CheckValue, Certificate(X509.With(AttributeId.CheckValue, CheckValue)).Raw(AttributeId.CheckValue));
        Assert.Equal(HsmError.RET_ATTRIBUTE_VALUE_INVALID, Refusal(() => Certificate(X509.With(AttributeId.CheckValue, [1, 2, 3]))));
    }

    [Fact]
    public void Certificate_NeedsItsType_AndOnlyX509IsStored()
    {
        Assert.Equal(HsmError.RET_TEMPLATE_INCOMPLETE, Refusal(() => Certificate(AttributeSet.Empty.With(AttributeId.Label, "x"))));
        Assert.Equal(HsmError.RET_ATTRIBUTE_VALUE_INVALID, Refusal(() => Certificate(AttributeSet.Empty.With(AttributeId.CertificateType, 1UL))));
    }

    [Fact]
    public void CertificateMaker_CannotMarkItTrusted()
    {
        Assert.Equal(HsmError.RET_OPERATION_NOT_PERMITTED, Refusal(() => Certificate(X509.With(AttributeId.Trusted, true))));
        Assert.False(Certificate(X509.With(AttributeId.Trusted, false)).IsTrue(AttributeId.Trusted));
    }

    [Theory]
    [InlineData(AttributeId.Sign)]
    [InlineData(AttributeId.Sensitive)]
    [InlineData(AttributeId.Application)]
    [InlineData(AttributeId.KeyType)]
    public void KeyOrDataAttributesOnACertificate_AreNotItsAttributes(AttributeId id)
    {
        var value = AttributeTable.Has(id, AttributeRule.Number) ? AttributeSet.Encode(0UL) : [1];
        Assert.Equal(HsmError.RET_ATTRIBUTE_TYPE_INVALID, Refusal(() => Certificate(X509.With(id, value))));
        Assert.Equal(HsmError.RET_ATTRIBUTE_TYPE_INVALID,
            Refusal(() => AttributePolicy.Change(Certificate(X509), id, value, Owner, actorIsOwner: true, UserRestrictions.None)));
    }

    [Fact]
    public void CertificateAttributesOnAKey_AreNotItsAttributes()
    {
        Assert.Equal(HsmError.RET_ATTRIBUTE_TYPE_INVALID, Refusal(() => Aes(AttributeSet.Empty.With(AttributeId.Issuer, Subject))));
        Assert.Equal(HsmError.RET_ATTRIBUTE_TYPE_INVALID, Refusal(() => Aes(AttributeSet.Empty.With(AttributeId.Subject, Subject))));
        Assert.Equal(HsmError.RET_ATTRIBUTE_TYPE_INVALID,
            Refusal(() => AttributePolicy.Change(Aes(), AttributeId.Application, "app"u8.ToArray(), Owner, actorIsOwner: true, UserRestrictions.None)));
    }

    [Fact]
    public void DataObject_IsPrivateByDefault_AndCarriesApplicationAndObjectId()
    {
        var set = AttributePolicy.ForNewObject(ObjectClass.Data, AttributeSet.Empty.With(AttributeId.Application, "billing"), AttributeSet.Empty);

        Assert.True(set.IsTrue(AttributeId.Private));
        Assert.Equal("billing", set.Text(AttributeId.Application));
        Assert.Empty(set.Raw(AttributeId.ObjectId)!);
        Assert.Equal(HsmError.RET_ATTRIBUTE_TYPE_INVALID,
            Refusal(() => AttributePolicy.ForNewObject(ObjectClass.Data, AttributeSet.Empty.With(AttributeId.Id, [1]), AttributeSet.Empty)));
    }

    [Fact]
    public void Dates_AreCkDatesOrEmpty()
    {
        Assert.Equal("20250601"u8.ToArray(), Certificate(X509.With(AttributeId.StartDate, "20250601"u8.ToArray())).Raw(AttributeId.StartDate));
        Assert.Equal(HsmError.RET_ATTRIBUTE_VALUE_INVALID, Refusal(() => Certificate(X509.With(AttributeId.EndDate, "2025"u8.ToArray()))));
    }

    [Fact]
    public void Copy_MayMoveTokenAndPrivateEitherWay_AndChangeTheLabel()
    {
        var original = Aes(AttributeSet.Empty.With(AttributeId.Token, false).With(AttributeId.Label, "session"));

        var copy = Copy(original, AttributeSet.Empty.With(AttributeId.Token, true).With(AttributeId.Private, false).With(AttributeId.Label, "token"));

        Assert.True(copy.IsTrue(AttributeId.Token));
        Assert.False(copy.IsTrue(AttributeId.Private));
        Assert.Equal("token", copy.Text(AttributeId.Label));
        Assert.False(Copy(copy, AttributeSet.Empty.With(AttributeId.Token, false)).IsTrue(AttributeId.Token));
        Assert.Equal(original.Without(AttributeId.Token).Without(AttributeId.Private).Without(AttributeId.Label),
            copy.Without(AttributeId.Token).Without(AttributeId.Private).Without(AttributeId.Label));
    }

    [Fact]
    public void Copy_FollowsTheOneWayRules_AndKeepsTheHistory()
    {
        var original = Aes(AttributeSet.Empty.With(AttributeId.Sensitive, false));

        Assert.Equal(HsmError.RET_ATTRIBUTE_READ_ONLY,
            Refusal(() => Copy(Aes(AttributeSet.Empty.With(AttributeId.Extractable, false)), AttributeSet.Empty.With(AttributeId.Extractable, true))));
        var locked = Copy(original, AttributeSet.Empty.With(AttributeId.Extractable, false).With(AttributeId.Sensitive, true));

        Assert.False(locked.IsTrue(AttributeId.Extractable));
        Assert.True(locked.IsTrue(AttributeId.Sensitive));
        Assert.False(locked.IsTrue(AttributeId.NeverExtractable)); // it was extractable once
        Assert.False(locked.IsTrue(AttributeId.AlwaysSensitive)); // it was not sensitive once
        Assert.Equal(original.Raw(AttributeId.Kcv), locked.Raw(AttributeId.Kcv));
        Assert.True(locked.IsTrue(AttributeId.Local));
        Assert.Equal(HsmError.RET_ATTRIBUTE_READ_ONLY, Refusal(() => Copy(locked, AttributeSet.Empty.With(AttributeId.Sensitive, false))));
    }

    [Fact]
    public void Copy_CannotChangeWhatIsFixed_ButMayRestateIt_AndGivesTheCopyItsOwnId()
    {
        var original = Aes(AttributeSet.Empty.With(AttributeId.Id, [1]));

        Assert.Equal([2], Copy(original, AttributeSet.Empty.With(AttributeId.Id, [2])).Raw(AttributeId.Id));
        Assert.Equal(HsmError.RET_ATTRIBUTE_READ_ONLY, Refusal(() => Copy(original, AttributeSet.Empty.With(AttributeId.ValueLen, 16UL))));
        Assert.Equal(HsmError.RET_ATTRIBUTE_READ_ONLY, Refusal(() => AttributePolicy.Change(original, AttributeId.Id, [2], Owner, true, UserRestrictions.None)));
        Assert.Equal(HsmError.RET_ATTRIBUTE_READ_ONLY, Refusal(() => Copy(original, AttributeSet.Empty.With(AttributeId.Kcv, [0, 0, 0]))));
        Assert.Equal(HsmError.RET_OPERATION_NOT_PERMITTED, Refusal(() => Copy(original, AttributeSet.Empty.With(AttributeId.Trusted, true))));
        Assert.Equal(original, Copy(original, AttributeSet.Empty.With(AttributeId.Id, [1]).With(AttributeId.Class, (ulong)ObjectClass.SecretKey)));
    }

    [Fact]
    public void CopyOfAnUnmodifiableObject_ChangesOnlyWhereItLivesAndWhatItIsCalled()
    {
        var original = Aes(AttributeSet.Empty.With(AttributeId.Modifiable, false).With(AttributeId.Token, false).With(AttributeId.Sensitive, false));

        var copy = Copy(original, AttributeSet.Empty.With(AttributeId.Token, true).With(AttributeId.Label, "kept").With(AttributeId.Id, [7]));
        Assert.True(copy.IsTrue(AttributeId.Token));
        Assert.Equal("kept", copy.Text(AttributeId.Label));
        Assert.False(copy.IsTrue(AttributeId.Modifiable));
        Assert.Equal(HsmError.RET_ATTRIBUTE_READ_ONLY, Refusal(() => Copy(original, AttributeSet.Empty.With(AttributeId.Sensitive, true))));
        Assert.Equal(HsmError.RET_ATTRIBUTE_READ_ONLY, Refusal(() => Copy(original, AttributeSet.Empty.With(AttributeId.Encrypt, false))));
    }

    [Fact]
    public void Copy_OfATrustedKey_IsNotTrusted_AndAnUncopyableObjectIsNotCopied()
    {
        var trusted = Aes().With(AttributeId.Trusted, true);
        Assert.False(Copy(trusted, AttributeSet.Empty).IsTrue(AttributeId.Trusted));

        var uncopyable = AttributePolicy.Change(Aes(), AttributeId.Copyable, [0], Owner, actorIsOwner: true, UserRestrictions.None);
        Assert.Equal(HsmError.RET_OPERATION_NOT_PERMITTED, Refusal(() => Copy(uncopyable, AttributeSet.Empty)));
        Assert.Equal(HsmError.RET_ATTRIBUTE_READ_ONLY,
            Refusal(() => AttributePolicy.Change(uncopyable, AttributeId.Copyable, [1], Owner, actorIsOwner: true, UserRestrictions.None)));
    }

    [Fact]
    public void Copy_ByAUserTheCoBarredFromChangingAttributes_MayStillCopyUnchanged()
    {
        var original = Aes();
        Assert.Equal(original, AttributePolicy.ForCopy(original, AttributeSet.Empty, Owner, true, UserRestrictions.NoModifyAttributes));
        Assert.Equal(HsmError.RET_OPERATION_NOT_PERMITTED,
            Refusal(() => AttributePolicy.ForCopy(original, AttributeSet.Empty.With(AttributeId.Label, "x"), Owner, true, UserRestrictions.NoModifyAttributes)));
    }
}
