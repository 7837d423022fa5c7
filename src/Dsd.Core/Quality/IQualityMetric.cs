using static TorchSharp.torch;

namespace Dsd.Quality;

/// <summary>
/// One image-quality metric: a score for a distorted image (and its reference). Images are [1,3,H,W] in [0,1] on the
/// metric's device. What the metric is called, its direction and whether it needs a reference are its catalogue entry's
/// (<see cref="MetricEntry"/>), the one place they are written.
/// </summary>
public interface IQualityMetric
{
    /// <summary>Scores one distorted image (against <paramref name="reference"/> for full-reference metrics).</summary>
    double Score(Tensor distorted, Tensor? reference);

    /// <summary>
    /// Scores every image of a batch [B,3,H,W] against the matching reference of <paramref name="reference"/>.
    /// The default scores them one at a time; the VGG metrics run the whole batch through the network at once.
    /// </summary>
    double[] ScoreBatch(Tensor distorted, Tensor? reference)
    {
        var result = new double[distorted.shape[0]];
        for (var i = 0; i < result.Length; i++)
            result[i] = Score(distorted.narrow(0, i, 1), reference?.narrow(0, i, 1));
        return result;
    }
}
