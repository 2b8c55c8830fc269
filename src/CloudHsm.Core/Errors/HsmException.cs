namespace CloudHsm.Core.Errors;

/// <summary>
/// A refusal with a stable error name and a sentence safe to show to a client.
/// The message never carries secrets or internal details.
/// </summary>
public sealed class HsmException : Exception
{
    public HsmException(HsmError error, string message) : base(message) => Error = error;

    public HsmError Error { get; }

    public override string ToString() => $"{Error}: {Message}";
}
