using Dsd.Training;
namespace Dsd.Restoration;

/// <summary>
/// The files of one training checkpoint named NAME: <c>NAME.safetensors</c> (generator weights under the reference's
/// names, loadable by PyTorch's safetensors and by <c>dsd restore</c>), <c>NAME.pth</c> (the same in torch.save's zip format), <c>NAME.state.step-NNNNNNN.safetensors</c> (what exact
/// resumption needs: raw weights, Adam moments, EMA; see <see cref="CheckpointCommit"/>) and <c>NAME.json</c> (config, step, metrics).
/// </summary>
public static class CheckpointFiles
{
    public static string Weights(string directory, string name) => Path.Combine(directory, name + ".safetensors");

    public static string PyTorch(string directory, string name) => Path.Combine(directory, name + ".pth");

    public static string Sidecar(string directory, string name) => Path.Combine(directory, name + ".json");

    /// <summary>The weights file a user may have named by its sidecar (<c>NAME.json</c>); other paths unchanged.</summary>
    public static string WeightsPathOf(string path) => Dsd.Restoration.RestorationNetworks.WeightsPathOf(path);

    /// <summary>The sidecar of a checkpoint named by its weights file or its sidecar.</summary>
    public static string SidecarPathOf(string path) =>
        path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? path
        : path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) ? path[..^".safetensors".Length] + ".json"
        : path + ".json";
}
