using System.Globalization;
using System.Text;
using CloudHsm.Client;
using CloudHsm.Client.Wire;

namespace CloudHsm.Pkcs11.Logging;

internal enum LogLevel
{
    Off = 0,
    Error = 1,
    Warn = 2,
    Info = 3,
    Debug = 4,
}

/// <summary>
/// The module's optional log file: one line per event (time, process, thread, level, text), appended,
/// shared safely by the application's threads. Set up by C_Initialize from the configuration's
/// "pkcs11" section, or the CLOUDHSM_PKCS11_LOG (path) and CLOUDHSM_PKCS11_LOG_LEVEL variables, which
/// take precedence. Callers put no PIN, password, token, key material or data into a message, and ask
/// <see cref="IsEnabled"/> before building one on a hot path.
/// </summary>
internal sealed class ModuleLog : IDisposable
{
    public const string FileVariable = "CLOUDHSM_PKCS11_LOG";
    public const string LevelVariable = "CLOUDHSM_PKCS11_LOG_LEVEL";

    private static readonly ModuleLog None = new(null, LogLevel.Off);
    private static volatile ModuleLog s_current = None;

    private readonly FileStream? _file;
    private readonly Lock _gate = new();

    private ModuleLog(FileStream? file, LogLevel level)
    {
        _file = file;
        Level = level;
    }

    /// <summary>The log of the initialised library (a log that writes nothing before C_Initialize or without a file).</summary>
    public static ModuleLog Current => s_current;

    public LogLevel Level { get; }

    public bool IsEnabled(LogLevel level) => level <= Level && level != LogLevel.Off;

    /// <summary>Opens the configured log file (RET_CONFIG_INVALID when it cannot be opened or the level is unknown).</summary>
    public static ModuleLog Open(ClientConfig config)
    {
        var path = Environment.GetEnvironmentVariable(FileVariable);
        if (string.IsNullOrWhiteSpace(path)) path = config.Resolve(config.Pkcs11?.LogFile);
        if (string.IsNullOrWhiteSpace(path)) return None;
        var levelText = Environment.GetEnvironmentVariable(LevelVariable);
        if (string.IsNullOrWhiteSpace(levelText)) levelText = config.Pkcs11?.LogLevel;
        var level = ParseLevel(levelText);
        if (level == LogLevel.Off) return None;
        try
        {
            return new ModuleLog(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete), level);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new HsmClientException("RET_CONFIG_INVALID", $"The PKCS#11 log file {path} cannot be opened: {e.Message}");
        }
    }

    public static LogLevel ParseLevel(string? text) => text?.Trim().ToUpperInvariant() switch
    {
        null or "" or "INFO" => LogLevel.Info,
        "ERROR" => LogLevel.Error,
        "WARN" or "WARNING" => LogLevel.Warn,
        "DEBUG" => LogLevel.Debug,
        "OFF" or "NONE" => LogLevel.Off,
        _ => throw new HsmClientException("RET_CONFIG_INVALID", $"Unknown PKCS#11 log level '{text}': use error, warn, info or debug."),
    };

    /// <summary>Makes <paramref name="log"/> the current one and closes the one it replaces.</summary>
    public static void Install(ModuleLog log)
    {
        var previous = s_current;
        s_current = log;
        if (!ReferenceEquals(previous, log)) previous.Dispose();
    }

    /// <summary>Closes the current log (C_Finalize).</summary>
    public static void Uninstall() => Install(None);

    public void Write(LogLevel level, string message)
    {
        if (!IsEnabled(level) || _file is null) return;
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} pid={ProcessIdentity.Current()} tid={Environment.CurrentManagedThreadId} {Name(level)} {message}\n");
        var bytes = Encoding.UTF8.GetBytes(line);
        lock (_gate)
        {
            try
            {
                // Another process (a forked child, a second application) may append to the same file.
                _file.Seek(0, SeekOrigin.End);
                _file.Write(bytes);
                _file.Flush();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or UnauthorizedAccessException)
            {
                // a full disk or a closed log never fails the application's call
            }
        }
    }

    public void Error(string message) => Write(LogLevel.Error, message);

    public void Warn(string message) => Write(LogLevel.Warn, message);

    public void Info(string message) => Write(LogLevel.Info, message);

    public void Debug(string message) => Write(LogLevel.Debug, message);

    private static string Name(LogLevel level) => level switch
    {
        LogLevel.Error => "ERROR",
        LogLevel.Warn => "WARN",
        LogLevel.Info => "INFO",
        _ => "DEBUG",
    };

    public void Dispose()
    {
        if (_file is null) return;
        lock (_gate) _file.Dispose();
    }
}
