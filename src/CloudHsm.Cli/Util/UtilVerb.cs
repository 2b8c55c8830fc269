namespace CloudHsm.Cli.Util;

/// <summary>An option of a util command: "-l LABEL" (takes a value) or "-nex" (a flag).</summary>
internal sealed record UtilOption(string Name, string? Value, string Help, bool Required = false)
{
    public bool TakesValue => Value is not null;

    public static UtilOption Req(string name, string value, string help) => new(name, value, help, Required: true);

    public static UtilOption Opt(string name, string value, string help) => new(name, value, help);

    public static UtilOption Flag(string name, string help) => new(name, null, help);

    /// <summary>key_mgmt_util options that mean nothing here (every write is on a majority before it returns).</summary>
    public static UtilOption[] Replication =>
    [
        Opt("-min_srv", "N", "accepted and ignored: a write returns only once a majority of nodes holds it"),
        Opt("-timeout", "SECONDS", "accepted and ignored, as -min_srv"),
        Flag("-attest", "accepted and ignored: the node proves itself by its certificate chain to PO.crt"),
    ];
}

/// <summary>
/// A command of the util shell: its name, the Cfm3 function its status line names, its options, and
/// its handler. <paramref name="NeedsLogin"/> commands are refused before any call when nobody is logged in.
/// </summary>
internal sealed record UtilVerb(string Name, string Call, string Description, IReadOnlyList<UtilOption> Options,
    Func<UtilShell, UtilArgs, Task> Run, bool NeedsLogin = true, int MaxPositional = 0, IReadOnlyList<string>? Notes = null)
{
    public UtilOption? Option(string name) => Options.FirstOrDefault(o => o.Name == name);

    public string Syntax => Name + string.Concat(Options.Select(o =>
    {
        var text = o.TakesValue ? $"{o.Name} <{o.Value}>" : o.Name;
        return o.Required ? " " + text : $" [{text}]";
    }));
}
