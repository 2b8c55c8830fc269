using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

namespace CloudHsm.Pkcs11.Tests;

[Collection(ModuleCollection.Name)]
public sealed class ObjectTests(ModuleFixture module)
{
    private IObjectHandle Secret(ISession session, string label, bool sensitive, CKM generator = CKM.CKM_AES_KEY_GEN, int length = 32) =>
        session.GenerateKey(module.Mechanism(generator),
            [module.Attribute(CKA.CKA_VALUE_LEN, length), module.Attribute(CKA.CKA_LABEL, label), module.Attribute(CKA.CKA_SENSITIVE, sensitive),
             module.Attribute(CKA.CKA_ID, new byte[] { 0xC0, 0xDE })]);

    [Fact]
    public void FindByLabelClassAndOtherAttributes()
    {
        using var session = module.UserSession();
        var label = "find-" + Guid.NewGuid().ToString("N");
        var aes = Secret(session, label, sensitive: true);
        var generic = Secret(session, label, sensitive: true, CKM.CKM_GENERIC_SECRET_KEY_GEN);
        Secret(session, label + "-other", sensitive: true);

        var byLabel = session.FindAllObjects([module.Attribute(CKA.CKA_LABEL, label)]).Select(h => h.ObjectId).Order();
        Assert.Equal(new[] { aes.ObjectId, generic.ObjectId }.Order(), byLabel);
        var aesOnly = session.FindAllObjects([module.Attribute(CKA.CKA_LABEL, label), module.Attribute(CKA.CKA_KEY_TYPE, CKK.CKK_AES)]);
        Assert.Equal(aes.ObjectId, Assert.Single(aesOnly).ObjectId);
        // CKA_SIGN is not an index of the node: matched by the module on each key's attributes.
        var signing = session.FindAllObjects([module.Attribute(CKA.CKA_LABEL, label), module.Attribute(CKA.CKA_SIGN, true)]);
        Assert.Equal(generic.ObjectId, Assert.Single(signing).ObjectId);
        Assert.Empty(session.FindAllObjects([module.Attribute(CKA.CKA_LABEL, label), module.Attribute(CKA.CKA_CLASS, CKO.CKO_PUBLIC_KEY)]));
        Assert.Equal(2, session.FindAllObjects([module.Attribute(CKA.CKA_ID, new byte[] { 0xC0, 0xDE }), module.Attribute(CKA.CKA_LABEL, label)]).Count);
    }

    [Fact]
    public void FindPagesThroughManyObjects()
    {
        using var session = module.UserSession();
        var label = "many-" + Guid.NewGuid().ToString("N");
        var made = Enumerable.Range(0, 300).Select(_ => Secret(session, label, sensitive: true, length: 16).ObjectId).Order().ToList();
        session.FindObjectsInit([module.Attribute(CKA.CKA_LABEL, label)]);
        var found = new List<ulong>();
        for (List<IObjectHandle> batch; (batch = session.FindObjects(70)).Count > 0;) found.AddRange(batch.Select(h => h.ObjectId));
        session.FindObjectsFinal();
        Assert.Equal(made, found.Order());
    }

    [Fact]
    public void WithoutLoginNoObjectIsVisible()
    {
        string label;
        using (var session = module.UserSession())
        {
            label = "hidden-" + Guid.NewGuid().ToString("N");
            Secret(session, label, sensitive: true);
            using var publicSession = module.Slot.OpenSession(SessionType.ReadOnly);
            publicSession.Logout();
            Assert.Empty(publicSession.FindAllObjects([module.Attribute(CKA.CKA_LABEL, label)]));
        }
    }

    [Fact]
    public void SensitiveValuesStayInsideAndUnknownAttributesAreInvalidEachOnItsOwn()
    {
        using var session = module.UserSession();
        var sensitive = Secret(session, "sensitive", sensitive: true);
        var attributes = session.GetAttributeValue(sensitive, [CKA.CKA_LABEL, CKA.CKA_VALUE, CKA.CKA_PRIME_BITS, CKA.CKA_VALUE_LEN, CKA.CKA_ALWAYS_SENSITIVE]);
        Assert.Equal("sensitive", attributes[0].GetValueAsString());
        Assert.True(attributes[1].CannotBeRead);
        Assert.True(attributes[2].CannotBeRead);
        Assert.Equal(32UL, attributes[3].GetValueAsUlong());
        Assert.True(attributes[4].GetValueAsBool());

        var readable = Secret(session, "readable", sensitive: false);
        var value = session.GetAttributeValue(readable, [CKA.CKA_VALUE])[0];
        Assert.False(value.CannotBeRead);
        Assert.Equal(32, value.GetValueAsByteArray().Length);
    }

    [Fact]
    public void SetAttributeChangesWhatThePolicyAllows()
    {
        using var session = module.UserSession();
        var key = Secret(session, "before", sensitive: true);
        session.SetAttributeValue(key, [module.Attribute(CKA.CKA_LABEL, "after")]);
        Assert.Equal("after", session.GetAttributeValue(key, [CKA.CKA_LABEL])[0].GetValueAsString());
        var e = Assert.Throws<Pkcs11Exception>(() => session.SetAttributeValue(key, [module.Attribute(CKA.CKA_SENSITIVE, false)]));
        Assert.Equal(CKR.CKR_ATTRIBUTE_READ_ONLY, e.RV);
    }
}
