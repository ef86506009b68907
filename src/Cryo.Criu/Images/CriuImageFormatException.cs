namespace Cryo.Criu.Images;

/// <summary>A CRIU image file that is not what its name says: wrong magic, truncated, or an undecodable message.</summary>
public class CriuImageFormatException : Exception
{
    /// <summary>Creates the exception for the image at <paramref name="path"/>.</summary>
    /// <param name="path">The image file, or a description of the stream when it has no path.</param>
    /// <param name="message">What is wrong; the path is added in front.</param>
    /// <param name="innerException">The cause, if any.</param>
    public CriuImageFormatException(string path, string message, Exception? innerException = null)
        : base($"{path}: {message}", innerException)
    {
        ImagePath = path;
    }

    /// <summary>The image file (or stream description) that failed to decode.</summary>
    public string ImagePath { get; }
}
