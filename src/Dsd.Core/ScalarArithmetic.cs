using TorchSharp;
using static TorchSharp.torch;

namespace Dsd;

/// <summary>
/// Tensor-with-number arithmetic that keeps the native Scalar alive for the whole native call. With TorchSharp's
/// implicit number → Scalar conversion the temporary Scalar is unreachable as soon as its handle has been read, so a
/// garbage collection during the call may finalise (free) it: seen as rare "Unknown scalar type" / "toFloat" aborts in
/// long loops that allocate large arrays. Hot paths use these helpers instead.
/// </summary>
internal static class ScalarArithmetic
{
    public static Tensor DivInPlace(this Tensor t, double value)
    {
        using var s = value.ToScalar();
        var result = t.div_(s);
        GC.KeepAlive(s);
        return result;
    }

    public static Tensor MulInPlace(this Tensor t, double value)
    {
        using var s = value.ToScalar();
        var result = t.mul_(s);
        GC.KeepAlive(s);
        return result;
    }

    public static Tensor ClampInPlace(this Tensor t, double min, double max)
    {
        using var lo = min.ToScalar();
        using var hi = max.ToScalar();
        var result = t.clamp_(lo, hi);
        GC.KeepAlive(lo);
        GC.KeepAlive(hi);
        return result;
    }
}
