using CloudHsm.Core.Errors;
using CloudHsm.Core.Users;

namespace CloudHsm.Core.Tests.Users;

public class PasswordPolicyTests
{
    private const string User = "alice";

    [Theory]
    [InlineData("Abcdefgh123!")]                      // 12: the default minimum
    [InlineData("Abcdefghijklmnopqrstuvwxyz12345!")]  // 32: the maximum
    [InlineData("abcdefgh1234!")]                     // lower, digit, special
    [InlineData("ABCDEFGH1234!")]                     // upper, digit, special
    [InlineData("Abcdefghijk1")]                      // upper, lower, digit
    public void GoodPassword_IsAccepted(string password)
    {
        Assert.Null(PasswordPolicy.Default.FindProblem(password, User));
        PasswordPolicy.Default.Check(password, User);
    }

    [Theory]
    [InlineData("Abcdefgh12!")]                        // 11
    [InlineData("Abcdefghijklmnopqrstuvwxyz123456!")]  // 33
    [InlineData("")]
    public void PasswordOutsideTheLengthLimits_IsRefused(string password)
    {
        var e = Assert.Throws<HsmException>(() => PasswordPolicy.Default.Check(password, User));
        Assert.Equal(HsmError.RET_INVALID_PASSWORD_POLICY, e.Error);
        Assert.Contains("12 to 32", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abcdefghijklmn")]   // lower only
    [InlineData("abcdefgh123456")]   // lower, digit
    [InlineData("ABCDEFGHijklmn")]   // upper, lower
    [InlineData("123456789012!!")]   // digit, special
    public void PasswordWithFewerThanThreeCharacterClasses_IsRefused(string password)
    {
        var e = Assert.Throws<HsmException>(() => PasswordPolicy.Default.Check(password, User));
        Assert.Equal(HsmError.RET_INVALID_PASSWORD_POLICY, e.Error);
        Assert.Contains("three of", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Xalice-12345!")]
    [InlineData("X-ALICE-12345")]
    [InlineData("12345!AlIcE")]
    public void PasswordContainingTheUserName_IsRefused_WhateverItsCase(string password)
    {
        var e = Assert.Throws<HsmException>(() => PasswordPolicy.WithMinimum(8).Check(password, User));
        Assert.Equal(HsmError.RET_INVALID_PASSWORD_POLICY, e.Error);
        Assert.Contains("user name", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData('#')]
    [InlineData(':')]
    [InlineData(';')]
    [InlineData('\'')]
    public void PasswordWithACharacterThatBreaksAPkcs11Pin_IsRefused(char forbidden)
    {
        var password = "Abcdefgh123" + forbidden + "x";
        Assert.Null(PasswordPolicy.Default.FindProblem(password.Replace(forbidden, '!'), User));

        var e = Assert.Throws<HsmException>(() => PasswordPolicy.Default.Check(password, User));

        Assert.Equal(HsmError.RET_INVALID_PASSWORD_POLICY, e.Error);
        Assert.Contains("PKCS#11", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfiguredMinimum_IsApplied()
    {
        var policy = PasswordPolicy.WithMinimum(16);

        Assert.NotNull(policy.FindProblem("Abcdefgh12345!x", User));   // 15
        Assert.Null(policy.FindProblem("Abcdefgh12345!xy", User));     // 16
        Assert.Null(PasswordPolicy.WithMinimum(8).FindProblem("Abcd123!", User));
    }

    [Theory]
    [InlineData(7)]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(33)]
    public void MinimumOutsideFloorAndMaximum_IsRefused(int minimum)
    {
        var e = Assert.Throws<HsmException>(() => PasswordPolicy.WithMinimum(minimum));
        Assert.Equal(HsmError.RET_INVALID_INPUT, e.Error);
    }
}
