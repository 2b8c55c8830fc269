using System.Runtime.InteropServices;
using CloudHsm.Pkcs11Load;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;

// Pkcs11Interop asks for "libdl"; glibc ships it as libdl.so.2 (the unversioned name is a dev package's).
NativeLibrary.SetDllImportResolver(typeof(Pkcs11InteropFactories).Assembly,
    (name, _, _) => name == "libdl" ? NativeLibrary.Load("libdl.so.2") : IntPtr.Zero);

LoadOptions options;
try
{
    options = LoadOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(LoadOptions.Usage);
    return 2;
}

try
{
    var results = new LoadRunner(options, Console.Out).Run();
    Report.PrintTable(results, Console.Out);
    if (options.JsonPath is { } json) Report.AppendJson(results, json);
    return 0;
}
catch (Pkcs11Exception e)
{
    Console.Error.WriteLine($"{options.Name}: {e.Method} returned {e.RV}");
    return 1;
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine($"{options.Name}: {e.Message}");
    return 1;
}
