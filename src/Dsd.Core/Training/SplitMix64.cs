namespace Dsd.Training;

/// <summary>
/// SplitMix64 (Steele, Lea &amp; Flood 2014): a tiny PRNG whose whole state is one <see cref="ulong"/>. Training draws
/// every random number from a stream keyed by (seed, purpose, index), so the randomness of step s is a pure function
/// of the seed and s: resuming at a step needs no saved generator state beyond the step itself.
/// </summary>
public struct SplitMix64(ulong state)
{
    public ulong State { get; private set; } = state;

    /// <summary>A stream for one purpose and index (e.g. the crop of sample k), independent of every other key.</summary>
    public static SplitMix64 For(long seed, Purpose purpose, long index) =>
        new(Mix(Mix((ulong)seed ^ 0x6A09E667F3BCC909UL) ^ Mix(((ulong)purpose << 56) ^ (ulong)index)));

    public ulong Next()
    {
        State += 0x9E3779B97F4A7C15UL;
        return Mix(State);
    }

    /// <summary>Uniform in [0, 1) with 24 random bits (exact in float32).</summary>
    public float NextFloat() => (Next() >> 40) * (1f / (1 << 24));

    /// <summary>Uniform integer in [0, n) (n ≥ 1), by rejection so every value is equally likely.</summary>
    public int NextInt(int n)
    {
        if (n <= 1) return 0;
        var limit = ulong.MaxValue - ulong.MaxValue % (ulong)n;
        ulong r;
        do r = Next(); while (r >= limit);
        return (int)(r % (ulong)n);
    }

    static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>What a stream is used for; distinct purposes never share numbers.</summary>
    public enum Purpose : byte
    {
        EpochOrder = 1,
        TrainCrop = 2,
        BankCrop = 3,
        ValidationCrop = 4,
        Calibration = 5,
    }
}
