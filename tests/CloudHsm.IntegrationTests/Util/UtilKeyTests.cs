using CloudHsm.IntegrationTests.Harness;
using static CloudHsm.IntegrationTests.Util.UtilOutput;

namespace CloudHsm.IntegrationTests.Util;

/// <summary>`cloudhsm util` key management against a real node: output read as a script reads the original's.</summary>
public sealed class UtilKeyTests(UtilKeyFixture fixture) : IClassFixture<UtilKeyFixture>
{
    [Fact]
    public async Task ASymmetricKeyIsGeneratedFoundSharedDescribedAndDeleted()
    {
        await using var ann = await fixture.SessionAsync("ann");

        var created = await ann.OkAsync("genSymKey -t 31 -s 32 -l ledger -id ledger01");
        Assert.Contains("Cfm3GenerateSymmetricKey returned: 0x00 : HSM Return: SUCCESS", created, StringComparison.Ordinal);
        Assert.Contains("Symmetric Key Created.  Key Handle: ", created, StringComparison.Ordinal);
        var handle = Handle(created);
        var shared = Handle(await ann.OkAsync($"genSymKey -t 16 -s 32 -l ledger-mac -u {fixture.Ids["ben"]}"));

        Assert.Equal([handle], Found(await ann.OkAsync("findKey -l ledger")));
        Assert.Equal([handle], Found(await ann.OkAsync("findKey -id ledger01 -c 4 -t 31")));
        var info = await ann.OkAsync($"getKeyInfo -k {handle}");
        Assert.Contains($"Owned by user {fixture.Ids["ann"]} (ann)", info, StringComparison.Ordinal);
        Assert.DoesNotContain("shared to following", info, StringComparison.Ordinal);
        Assert.Equal([handle], Found(await ann.OkAsync($"findKey -kcv {Kcv(info)}")));
        var sharedInfo = await ann.OkAsync($"getKeyInfo -k {shared}");
        Assert.Contains("also, shared to following 1 user(s):", sharedInfo, StringComparison.Ordinal);
        Assert.Contains($"{fixture.Ids["ben"]} (ben)", sharedInfo, StringComparison.Ordinal);

        var attributes = Path.Combine(fixture.Partition.Directory, "ledger.attr");
        await ann.OkAsync($"getAttribute -o {handle} -a 512 -out {attributes}");
        var text = await File.ReadAllTextAsync(attributes);
        Assert.Contains("OBJ_ATTR_CLASS\n0x04\n", text, StringComparison.Ordinal);
        Assert.Contains("OBJ_ATTR_KEY_TYPE\n0x1f\n", text, StringComparison.Ordinal);
        Assert.Contains("OBJ_ATTR_LABEL\nledger\n", text, StringComparison.Ordinal);
        Assert.Contains("OBJ_ATTR_ID\nledger01\n", text, StringComparison.Ordinal);
        Assert.Contains("OBJ_ATTR_VALUE_LEN\n0x00000020\n", text, StringComparison.Ordinal);

        await ann.OkAsync($"deleteKey -k {handle}");
        Assert.Empty(Found(await ann.OkAsync("findKey -l ledger")));
        var again = await ann.RunAsync($"deleteKey -k {handle}");
        Assert.Equal("RET_KEY_NOT_FOUND", ErrorName(again));
        Assert.Contains("Cfm3DeleteKey returned: 0x", again, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASessionKeyIsInvisibleToAnotherLoginUntilSetAttributeMakesItAToken()
    {
        await using var eve = await fixture.SessionAsync("eve");
        var staying = Handle(await eve.OkAsync("genSymKey -t 31 -s 16 -l scratch -sess"));
        var promoted = Handle(await eve.OkAsync("genSymKey -t 31 -s 16 -l keeper -sess"));
        Assert.Equal(new[] { promoted, staying }.Order(), Found(await eve.OkAsync("findKey -sess 1")).Order());
        Assert.Contains("session key", await eve.OkAsync($"getKeyInfo -k {staying}"), StringComparison.Ordinal);

        await eve.OkAsync($"setAttribute -o {promoted} -a 1 -v 1");

        Assert.Equal([staying], Found(await eve.OkAsync("findKey -sess 1")));
        await using var otherLogin = await fixture.SessionAsync("eve");
        Assert.Equal("RET_KEY_NOT_FOUND", ErrorName(await otherLogin.RunAsync($"findSingleKey -k {staying}")));
        Assert.Contains("token key", await otherLogin.OkAsync($"getKeyInfo -k {promoted}"), StringComparison.Ordinal);
        Assert.DoesNotContain(staying, Found(await otherLogin.OkAsync("findKey")));
    }

    [Fact]
    public async Task AMaskedObjectComesBackAsTheSameKeyAndATamperedOneIsRefused()
    {
        await using var fay = await fixture.SessionAsync("fay");
        var handle = Handle(await fay.OkAsync("genSymKey -t 31 -s 32 -l sealed -nex"));
        var kcv = Kcv(await fay.OkAsync($"getKeyInfo -k {handle}"));
        var masked = Path.Combine(fixture.Partition.Directory, "fay.masked");
        Assert.Contains($"Object was masked and written to file \"{masked}\"", await fay.OkAsync($"extractMaskedObject -o {handle} -out {masked}"), StringComparison.Ordinal);

        var inserted = await fay.OkAsync($"insertMaskedObject -f {masked}");
        var copy = ulong.Parse(System.Text.RegularExpressions.Regex.Match(inserted, @"New Key Handle: (\d+)").Groups[1].Value);
        Assert.NotEqual(handle, copy);
        var copyInfo = await fay.OkAsync($"getKeyInfo -k {copy}");
        Assert.Equal(kcv, Kcv(copyInfo));
        Assert.Contains($"Owned by user {fixture.Ids["fay"]} (fay)", copyInfo, StringComparison.Ordinal);

        var bytes = await File.ReadAllBytesAsync(masked);
        bytes[bytes.Length / 2] ^= 0x01;
        var tampered = Path.Combine(fixture.Partition.Directory, "fay.tampered");
        await File.WriteAllBytesAsync(tampered, bytes);
        var before = Found(await fay.OkAsync("findKey"));
        Assert.Equal("RET_MASKED_OBJECT_INVALID", ErrorName(await fay.RunAsync($"insertMaskedObject -f {tampered}")));
        Assert.Equal(before, Found(await fay.OkAsync("findKey")));
    }

    [Fact]
    public async Task ABadCommandIsAUsageErrorThatChangesNothing()
    {
        await using (var hal = await fixture.SessionAsync("hal"))
        {
            Assert.True(string.IsNullOrWhiteSpace(await hal.RunAsync("genSymKey -t 31 -s 32")));
            Assert.True(string.IsNullOrWhiteSpace(await hal.RunAsync("genSymKey -t 31 -s 32 -l x -colour red")));
            Assert.True(string.IsNullOrWhiteSpace(await hal.RunAsync("genSymKeys -t 31 -s 32 -l x")));
            Assert.True(string.IsNullOrWhiteSpace(await hal.RunAsync("genSymKey -t 31 -s many -l x")));
            var des = await hal.RunAsync("genSymKey -t 21 -s 24 -l des");
            Assert.Equal("RET_KEY_TYPE_INCONSISTENT", ErrorName(des));
            Assert.Contains("Cfm3GenerateSymmetricKey returned: 0x", des, StringComparison.Ordinal);
            Assert.Empty(Found(await hal.OkAsync("findKey")));
            Assert.Contains("RET_INVALID_INPUT: genSymKey needs -l.", hal.Stderr, StringComparison.Ordinal);
            Assert.Contains("Syntax: genSymKey -t <key type> -s <key size> -l <label>", hal.Stderr, StringComparison.Ordinal);
            Assert.Contains("genSymKey has no option -colour", hal.Stderr, StringComparison.Ordinal);
            Assert.Contains("Unknown command 'genSymKeys'", hal.Stderr, StringComparison.Ordinal);
            Assert.Contains("-s takes a number, not 'many'", hal.Stderr, StringComparison.Ordinal);
        }

        // In singlecmd a usage error stops the run with exit status 2, before anything reaches the node.
        var single = await CliRunner.RunAsync("util", "--config", fixture.Partition.ConfigPath, "singlecmd",
            "genSymKey", "-t", "31", "-s", "32", "findKey");
        Assert.Equal(2, single.ExitCode);
        Assert.Contains("genSymKey needs -l", single.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("returned:", single.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefusalsCarryTheirStableNameCodeAndExitStatus()
    {
        var login = await CliRunner.RunAsync("util", "--config", fixture.Partition.ConfigPath, "singlecmd",
            "loginHSM", "-u", "CU", "-s", "hal", "-p", "Not-The-Password-1!", "findKey");
        login.ShouldFailWith("RET_USER_LOGIN_FAILURE");
        Assert.Contains("Cfm3LoginHSM returned: 0x", login.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Total number of keys", login.Stdout, StringComparison.Ordinal);

        var notLoggedIn = await CliRunner.RunAsync("util", "--config", fixture.Partition.ConfigPath, "singlecmd", "findKey");
        notLoggedIn.ShouldFailWith("RET_USER_NOT_LOGGED_IN");

        var code = ErrorCode(login.Stdout);
        var named = await CliRunner.RunAsync("util", "singlecmd", "Error2String", "-r", code);
        named.ShouldSucceed();
        Assert.Contains($"Error Code {code[2..]} maps to HSM Error: RET_USER_LOGIN_FAILURE", named.Stdout, StringComparison.Ordinal);
        var byName = (await CliRunner.RunAsync("util", "singlecmd", "Error2String", "-r", "RET_MASKED_OBJECT_INVALID")).ShouldSucceed();
        Assert.Matches(@"RET_MASKED_OBJECT_INVALID is Error Code 0x[0-9a-f]{2}", byName.Stdout);
        (await CliRunner.RunAsync("util", "singlecmd", "Error2String", "-r", "0xfe")).ShouldFailWith("RET_INVALID_INPUT");
    }

    private static string ErrorCode(string output) =>
        System.Text.RegularExpressions.Regex.Match(output, @"returned: (0x[0-9a-f]{2}) : HSM Error").Groups[1].Value;
}
