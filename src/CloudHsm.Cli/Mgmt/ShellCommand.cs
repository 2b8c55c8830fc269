namespace CloudHsm.Cli.Mgmt;

/// <summary>One command of the compatibility shell: its name, positional syntax and handler.</summary>
internal sealed record ShellCommand(string Name, string Syntax, string Description, int MinArgs, int MaxArgs,
    Func<MgmtShell, string[], Task> Run);
