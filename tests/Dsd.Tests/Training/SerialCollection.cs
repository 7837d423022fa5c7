using Xunit;

namespace Dsd.Tests.Training;

/// <summary>
/// Tests that compare two training runs bit for bit. libtorch's CPU kernels split reductions by the threads free at
/// the time, so other tests running at once can change float summation order; these run alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "bitwise-reproducibility";
}
