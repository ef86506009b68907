namespace Cryo.Criu.Images;

/// <summary>
/// The 32-bit magic numbers at the head of CRIU's image files (CRIU's <c>criu/include/magic.h</c>), stored
/// little-endian. Since image format 1.1 every image but <c>inventory.img</c> starts with
/// <see cref="Common"/> (or <see cref="Service"/>) followed by its own magic; the inventory has its own magic
/// only, and raw images such as <c>pages-K.img</c> have none at all.
/// </summary>
public static class CriuImageMagic
{
    /// <summary>First word of every ordinary image ("Sarov").</summary>
    public const uint Common = 0x54564319;

    /// <summary>First word of service files such as <c>stats-dump</c> ("Zlatoust").</summary>
    public const uint Service = 0x55105940;

    /// <summary>The magic of <c>inventory.img</c>, which carries no <see cref="Common"/> word before it ("Veliky Novgorod").</summary>
    public const uint Inventory = 0x58313116;

    /// <summary>The magic of <c>pagemap-PID.img</c> and of <c>pagemap-shmem-ID.img</c> ("Vladimir").</summary>
    public const uint PageMap = 0x56084025;

    /// <summary>The magic of <c>pstree.img</c> ("Kazan").</summary>
    public const uint ProcessTree = 0x50273030;

    /// <summary>The magic of <c>mountpoints-ID.img</c> ("Petushki").</summary>
    public const uint MountPoints = 0x55563928;

    /// <summary>The magic of <c>core-PID.img</c> ("Kolomna").</summary>
    public const uint Core = 0x55053847;

    /// <summary>The magic of <c>files.img</c>, the tree's file table ("Toropets").</summary>
    public const uint Files = 0x56303138;

    /// <summary>The magic of <c>netns-ID.img</c>, a network namespace of the tree.</summary>
    public const uint Netns = 0x55933752;
}
