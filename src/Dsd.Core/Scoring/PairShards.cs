using System.Globalization;
using System.Text;

namespace Dsd.Scoring;

/// <summary>
/// Shard K of N (K = 0 … N−1) of a scoring run: the pairs whose distorted file name hashes to K modulo N. The hash is
/// FNV-1a (64-bit) of the file name's UTF-8 bytes, so a pair lands in the same shard whatever the listing order,
/// the other files present, the folder's absolute path or the machine: N processes on a cluster (an indexed job,
/// a job array) each score one shard and <c>dsd merge</c> joins them.
/// </summary>
public sealed record PairShard(int Index, int Count)
{
    /// <summary>How the partition is made, recorded in the outputs so a merge can tell.</summary>
    public const string Rule = "fnv1a64(distorted file name) mod N";

    /// <summary>Parses <c>K/N</c> with 0 ≤ K &lt; N.</summary>
    public static PairShard Parse(string text, string what = "--shard")
    {
        var parts = text.Split('/');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var k)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            && n >= 1 && k < n)
            return new PairShard(k, n);
        throw new DsdException(DsdErrorKind.InvalidInput, $"{what}: '{text}' is not K/N with 0 ≤ K < N (e.g. 0/8 … 7/8)");
    }

    /// <summary>The name a pair is hashed by: its distorted file's name, without the folder.</summary>
    public static string NameOf(ImagePair pair) => Path.GetFileName(pair.Distorted);

    /// <summary>The shard (0 … count−1) a pair belongs to.</summary>
    public static int Of(ImagePair pair, int count) => (int)(Fnv1a64(NameOf(pair)) % (ulong)count);

    /// <summary>Whether this shard scores <paramref name="pair"/>.</summary>
    public bool Contains(ImagePair pair) => Of(pair, Count) == Index;

    /// <summary>
    /// Positions in <paramref name="pairs"/> of the pairs this shard scores, in order. Scoring keeps each pair's
    /// position in the whole plan (it seeds the random crops), so shards reproduce the single run's numbers.
    /// </summary>
    public IReadOnlyList<int> Select(IReadOnlyList<ImagePair> pairs) =>
        Enumerable.Range(0, pairs.Count).Where(i => Contains(pairs[i])).ToList();

    /// <summary>All positions, or this shard's when <paramref name="shard"/> is given.</summary>
    public static IReadOnlyList<int> Select(IReadOnlyList<ImagePair> pairs, PairShard? shard) =>
        shard?.Select(pairs) ?? Enumerable.Range(0, pairs.Count).ToList();

    public override string ToString() => $"{Index}/{Count}";

    static ulong Fnv1a64(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }
        return hash;
    }
}
