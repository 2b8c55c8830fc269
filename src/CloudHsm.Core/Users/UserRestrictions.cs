namespace CloudHsm.Core.Users;

/// <summary>
/// What a CO has forbidden a CU to do (setUserAttributes). Flags, so that the set travels as one
/// number in commands and on the wire.
/// </summary>
[Flags]
public enum UserRestrictions
{
    None = 0,
    /// <summary>No export or wrap of keys.</summary>
    NoExport = 1,
    NoUnwrap = 2,
    NoModifyAttributes = 4,
    NoDerive = 8,
    All = NoExport | NoUnwrap | NoModifyAttributes | NoDerive,
}

public static class UserRestrictionNames
{
    private static readonly (string Name, UserRestrictions Flag)[] Names =
    [
        ("export", UserRestrictions.NoExport),
        ("unwrap", UserRestrictions.NoUnwrap),
        ("modify", UserRestrictions.NoModifyAttributes),
        ("derive", UserRestrictions.NoDerive),
    ];

    public static IEnumerable<string> All => Names.Select(n => n.Name);

    public static UserRestrictions? Parse(string name)
    {
        foreach (var (n, flag) in Names)
        {
            if (string.Equals(n, name.Trim(), StringComparison.OrdinalIgnoreCase)) return flag;
        }
        return null;
    }

    /// <summary>The names of the restrictions in a set (export, unwrap, modify, derive).</summary>
    public static IEnumerable<string> Of(UserRestrictions restrictions) =>
        Names.Where(n => restrictions.HasFlag(n.Flag)).Select(n => n.Name);

    public static string Format(UserRestrictions restrictions)
    {
        var parts = Names.Where(n => restrictions.HasFlag(n.Flag)).Select(n => "no-" + n.Name).ToArray();
        return parts.Length == 0 ? "none" : string.Join(',', parts);
    }
}
