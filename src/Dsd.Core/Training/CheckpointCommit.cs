using System.Globalization;

namespace Dsd.Training;

/// <summary>
/// How a checkpoint made of several files becomes visible at once. Each part is written to a temp file, flushed to
/// disk and renamed (<see cref="Serialization.AtomicFile"/>); the resumable state goes to a name that carries its step,
/// so the previous state file stays intact; the manifest that names the state file is renamed last, and that rename
/// is the single commit point. A kill at any moment leaves either the old manifest with its old state file or the
/// new manifest with its new one, never a mix; state files no manifest names are removed after the commit.
/// </summary>
public static class CheckpointCommit
{
    /// <summary>Metadata key every part carries, so that a reader can check that the parts belong together.</summary>
    public const string StepKey = "step";

    /// <summary>The step-stamped name of checkpoint <paramref name="name"/>'s state at <paramref name="step"/>.</summary>
    public static string StateFileName(string name, long step) =>
        $"{name}.state.step-{step.ToString("D7", CultureInfo.InvariantCulture)}.safetensors";

    /// <summary>After a commit: removes checkpoint <paramref name="name"/>'s state files other than <paramref name="keep"/>.</summary>
    public static void RemoveOtherStates(string directory, string name, string keep)
    {
        foreach (var file in Directory.EnumerateFiles(directory, name + ".state*.safetensors"))
            if (Path.GetFileName(file) != keep) TryDelete(file);
    }

    /// <summary>
    /// Removes temp files left by writes that a kill interrupted (<c>.NAME.PID.GUID.tmp</c>, see
    /// <see cref="Serialization.AtomicFile"/>) in <paramref name="directory"/> and its subfolders; call before a run starts.
    /// Returns how many were removed.
    /// </summary>
    public static int RemoveStaleTemps(string directory)
    {
        if (!Directory.Exists(directory)) return 0;
        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(directory, ".*.tmp", SearchOption.AllDirectories))
            if (TryDelete(file)) removed++;
        return removed;
    }

    /// <summary>Throws unless a part's recorded step equals the manifest's: a mixed set is never resumed from.</summary>
    public static void RequireSameStep(string part, IReadOnlyDictionary<string, string> metadata, long manifestStep, string manifest)
    {
        if (!metadata.TryGetValue(StepKey, out var text) || !long.TryParse(text, CultureInfo.InvariantCulture, out var step))
            return; // written before steps were recorded in every part
        if (step != manifestStep)
            throw new DsdException(DsdErrorKind.Weights,
                $"{part} holds step {step} but {manifest} says step {manifestStep}: the checkpoint files do not belong together (copied by hand?); refusing to resume from a mixed set");
    }

    static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }
}
