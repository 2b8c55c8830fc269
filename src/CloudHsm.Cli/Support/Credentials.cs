using System.Text.Json;
using System.Text.Json.Serialization;
using CloudHsm.Core.Users;

namespace CloudHsm.Cli.Support;

/// <summary>The credentials file written by `cloudhsm dev up` and read through CLOUDHSM_CREDENTIALS.</summary>
internal sealed record CredentialsFile(List<StoredCredential> Users)
{
    public static CredentialsFile Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(path), CliJsonContext.Default.CredentialsFile)
                ?? throw new CliException("RET_CONFIG_INVALID", $"{path} holds no credentials.");
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            throw new CliException("RET_CONFIG_INVALID", $"Cannot read credentials from {path}.");
        }
    }
}

internal sealed record StoredCredential(string Type, string Name, string Password);

/// <summary>Who the modern subcommands log in as: CLOUDHSM_USER/CLOUDHSM_PASSWORD, or a CLOUDHSM_CREDENTIALS file.</summary>
internal static class ImplicitLogin
{
    public static (UserType Type, string Name, string Password) Resolve(UserType defaultType, string? typeOverride)
    {
        var type = typeOverride is null ? defaultType
            : UserTypes.Parse(typeOverride) ?? throw new CliException("RET_INVALID_USER_TYPE", $"Unknown user type '{typeOverride}'.");
        var typeEnv = Environment.GetEnvironmentVariable("CLOUDHSM_USER_TYPE");
        if (typeOverride is null && !string.IsNullOrEmpty(typeEnv))
        {
            type = UserTypes.Parse(typeEnv) ?? throw new CliException("RET_INVALID_USER_TYPE", $"Unknown user type '{typeEnv}' in CLOUDHSM_USER_TYPE.");
        }
        var user = Environment.GetEnvironmentVariable("CLOUDHSM_USER");
        var password = Environment.GetEnvironmentVariable("CLOUDHSM_PASSWORD");
        if (!string.IsNullOrEmpty(user) && !string.IsNullOrEmpty(password)) return (type, user, password);
        var file = Environment.GetEnvironmentVariable("CLOUDHSM_CREDENTIALS");
        if (!string.IsNullOrEmpty(file))
        {
            var stored = CredentialsFile.Read(file).Users.FirstOrDefault(u =>
                (string.IsNullOrEmpty(user) || u.Name == user) && UserTypes.Parse(u.Type) == type);
            if (stored is not null) return (type, stored.Name, stored.Password);
            throw new CliException("RET_USER_NOT_LOGGED_IN", $"{file} holds no {type} credentials{(string.IsNullOrEmpty(user) ? "" : " for " + user)}.");
        }
        throw new CliException("RET_USER_NOT_LOGGED_IN",
            "No credentials: set CLOUDHSM_USER and CLOUDHSM_PASSWORD, or CLOUDHSM_CREDENTIALS to a credentials file.");
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(CredentialsFile))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
