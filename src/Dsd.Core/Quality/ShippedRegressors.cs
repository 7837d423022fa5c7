namespace Dsd.Quality;

/// <summary>
/// psi weights that ship with the toolkit (trained by us, see README), copied beside the assemblies as
/// <c>models/psi-alpha{α}.safetensors</c>. Only weights that exist are ever used; nothing falls back to an untrained psi.
/// </summary>
public static class ShippedRegressors
{
    /// <summary>The shipped psi for <paramref name="alpha"/>, or null when none ships.</summary>
    public static string? PathFor(double alpha)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "models", $"psi-alpha{alpha.ToString(System.Globalization.CultureInfo.InvariantCulture)}.safetensors");
        return File.Exists(path) ? path : null;
    }
}
