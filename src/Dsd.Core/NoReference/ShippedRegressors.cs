namespace Dsd.NoReference;

/// <summary>
/// psi weights that ship with the toolkit (trained by us, see README), copied beside the assemblies as
/// <c>models/psi-alpha{α}.safetensors</c>. Only weights that exist are ever used; nothing falls back to an untrained psi.
/// </summary>
public static class ShippedRegressors
{
    /// <summary>Where the shipped weights are: <c>models/</c> beside the assemblies.</summary>
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "models");

    /// <summary>The shipped psi for <paramref name="alpha"/> in <paramref name="folder"/> (default <see cref="Folder"/>), or null when none is there.</summary>
    public static string? PathFor(double alpha, string? folder = null)
    {
        var path = Path.Combine(folder ?? Folder, $"psi-alpha{alpha.ToString(System.Globalization.CultureInfo.InvariantCulture)}.safetensors");
        return File.Exists(path) ? path : null;
    }
}
