namespace Cryo.Criu.Images;

/// <summary>What an image file starts with: an optional head magic, then the image type's own magic.</summary>
/// <param name="HeadMagic"><see cref="CriuImageMagic.Common"/> or <see cref="CriuImageMagic.Service"/>; <c>null</c> for the inventory.</param>
/// <param name="Magic">The image type's magic, e.g. <see cref="CriuImageMagic.PageMap"/>.</param>
public readonly record struct CriuImageKind(uint? HeadMagic, uint Magic)
{
    /// <summary><c>pagemap-*.img</c>: common magic, pagemap magic, a <c>PagemapHead</c>, then <c>PagemapEntry</c> messages.</summary>
    public static CriuImageKind PageMap { get; } = new(CriuImageMagic.Common, CriuImageMagic.PageMap);

    /// <summary><c>inventory.img</c>: the inventory magic alone, then one <c>InventoryEntry</c>.</summary>
    public static CriuImageKind Inventory { get; } = new(null, CriuImageMagic.Inventory);

    /// <summary><c>pstree.img</c>: common magic, pstree magic, then one <c>PstreeEntry</c> per task.</summary>
    public static CriuImageKind ProcessTree { get; } = new(CriuImageMagic.Common, CriuImageMagic.ProcessTree);

    /// <summary><c>mountpoints-ID.img</c>: common magic, mounts magic, then one <c>MntEntry</c> per mount.</summary>
    public static CriuImageKind MountPoints { get; } = new(CriuImageMagic.Common, CriuImageMagic.MountPoints);

    /// <summary><c>core-PID.img</c>: common magic, core magic, then one <c>CoreEntry</c>.</summary>
    public static CriuImageKind Core { get; } = new(CriuImageMagic.Common, CriuImageMagic.Core);

    /// <summary><c>files.img</c>: common magic, files magic, then one <c>FileEntry</c> per file of the tree.</summary>
    public static CriuImageKind Files { get; } = new(CriuImageMagic.Common, CriuImageMagic.Files);

    /// <summary><c>netns-ID.img</c>: common magic, netns magic, then one <c>NetnsEntry</c>.</summary>
    public static CriuImageKind Netns { get; } = new(CriuImageMagic.Common, CriuImageMagic.Netns);

    /// <summary>Bytes the magic words take at the start of the file.</summary>
    public int HeaderLength => HeadMagic is null ? 4 : 8;

    /// <inheritdoc />
    public override string ToString() =>
        HeadMagic is { } head ? $"0x{head:x8}/0x{Magic:x8}" : $"0x{Magic:x8}";
}
