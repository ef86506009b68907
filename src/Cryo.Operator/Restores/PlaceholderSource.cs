using Cryo.Api;
using Cryo.Operator.Configuration;

namespace Cryo.Operator.Restores;

/// <summary>Where restore pods get the placeholder program from.</summary>
/// <param name="Delivery">A CSI volume or an init container.</param>
/// <param name="Image">The image the init container copies the program from (the agent image); used by <see cref="PlaceholderDelivery.InitContainer"/>.</param>
/// <param name="CsiDriver">The CSI driver serving placeholder volumes; used by <see cref="PlaceholderDelivery.Csi"/>.</param>
public sealed record PlaceholderSource(PlaceholderDelivery Delivery, string Image, string CsiDriver = CryoNames.PlaceholderCsiDriver)
{
    /// <summary>The source the operator's settings name.</summary>
    public static PlaceholderSource From(OperatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new PlaceholderSource(options.PlaceholderDelivery, options.PlaceholderImage, options.PlaceholderCsiDriver);
    }

    /// <summary>A CSI volume of <paramref name="driver"/>.</summary>
    public static PlaceholderSource Csi(string driver = CryoNames.PlaceholderCsiDriver) => new(PlaceholderDelivery.Csi, string.Empty, driver);

    /// <summary>An init container copying the program out of <paramref name="image"/>.</summary>
    public static PlaceholderSource InitContainer(string image) => new(PlaceholderDelivery.InitContainer, image);
}
