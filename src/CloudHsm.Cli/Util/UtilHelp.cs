namespace CloudHsm.Cli.Util;

/// <summary>The help text of the util shell: the command list, and one command's syntax, options and notes.</summary>
internal static class UtilHelp
{
    public static void List(UtilShell s)
    {
        s.Output.WriteLine("Help Commands Available:");
        s.Output.WriteLine();
        s.Output.WriteLine("Syntax: <command> -h");
        s.Output.WriteLine();
        s.Output.WriteLine($"   {"Command",-22}Description");
        s.Output.WriteLine($"   {"=======",-22}===========");
        foreach (var verb in UtilCommands.All.Values) s.Output.WriteLine($"   {verb.Name,-22}{verb.Description}");
    }

    public static void Command(UtilShell s, UtilVerb verb)
    {
        s.Output.WriteLine("Description");
        s.Output.WriteLine("===========");
        s.Output.WriteLine(verb.Description);
        s.Output.WriteLine();
        s.Output.WriteLine($"Syntax: {verb.Syntax}");
        if (verb.Options.Count > 0)
        {
            s.Output.WriteLine();
            foreach (var o in verb.Options)
            {
                var text = o.TakesValue ? $"{o.Name} <{o.Value}>" : o.Name;
                s.Output.WriteLine($"   {text,-26}{o.Help}{(o.Required ? "" : " (optional)")}");
            }
        }
        foreach (var note in verb.Notes ?? []) s.Output.WriteLine(note);
    }
}
