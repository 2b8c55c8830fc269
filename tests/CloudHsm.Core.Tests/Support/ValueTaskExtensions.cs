namespace CloudHsm.Core.Tests.Support;

internal static class ValueTaskExtensions
{
    /// <summary>Drops the result, for refusal helpers that take a <see cref="ValueTask"/>.</summary>
    public static async ValueTask AsVoid<T>(this ValueTask<T> task) => await task;
}
