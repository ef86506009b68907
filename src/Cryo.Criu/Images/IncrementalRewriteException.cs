namespace Cryo.Criu.Images;

/// <summary>
/// An increment could not be made of a full dump: the parent or its index do not fit, or writing failed. The dump's
/// images directory is as CRIU wrote it (still a complete, restorable full dump).
/// </summary>
public class IncrementalRewriteException : Exception
{
    /// <summary>Creates the exception for the dump in <paramref name="imagesDirectory"/>.</summary>
    /// <param name="imagesDirectory">The dump that was to become an increment.</param>
    /// <param name="message">What went wrong, naming the dump.</param>
    /// <param name="innerException">The cause, if any.</param>
    public IncrementalRewriteException(string imagesDirectory, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        ImagesDirectory = imagesDirectory;
    }

    /// <summary>The dump's images directory, left unchanged.</summary>
    public string ImagesDirectory { get; }
}
