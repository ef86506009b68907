// The harness runs real processes in Linux namespaces and cgroups.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
