// The node harness runs containerd, mounts filesystems and manages cgroups: Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
