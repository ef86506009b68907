using System.Runtime.CompilerServices;
using YamlDotNet.Serialization;

namespace Cryo.Operator.Tests.Rbac;

/// <summary>config/rbac grants exactly the verbs the operator uses, judged from the requests of a full run.</summary>
public sealed class RbacCoverageTests
{
    /// <summary>Granted but not observable here: needed by admission for blockOwnerDeletion owner references.</summary>
    private static readonly HashSet<string> UnobservableButRequired =
        ["cryo.io/restores/finalizers update", "cryo.io/checkpointschedules/finalizers update", "cryo.io/restoresets/finalizers update", "cryo.io/migrations/finalizers update"];

    [Fact]
    public async Task Rbac_Should_GrantExactlyTheVerbsTheOperatorUses()
    {
        // Arrange: a run that exercises every path: election, checkpoint, restore into a new pod, a RestoreSet scaled
        // up and down with a warm pool whose template changes, deletion, a schedule that creates and prunes, a Restore
        // deleted by its TTL, a Migration.
        await using var cluster = await OperatorHarness.StartAsync("node-1");
        await cluster.Kubelet.RunPodAsync(OperatorHarness.Ns, "web", "node-1");

        // A schedule that missed its runs while no operator ran: it makes up the latest, then prunes it (a history of 0).
        var schedule = await cluster.CreateScheduleAsync("minutely", new CheckpointScheduleSpec { PodName = "web", Schedule = "* * * * *", SuccessfulCheckpointsHistoryLimit = 0 });
        schedule.Status = new CheckpointScheduleStatus { LastScheduleTime = schedule.Metadata.CreationTimestamp!.Value.AddMinutes(-2) };
        await cluster.Client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync<CheckpointSchedule>(
            schedule, CryoNames.Group, CryoNames.Version, OperatorHarness.Ns, CheckpointSchedule.Plural, "minutely");
        await cluster.StartOperatorAsync("operator-1", leaderElection: true);
        await cluster.CreateCheckpointAsync("web-1", new CheckpointSpec { PodName = "web" });
        await cluster.WaitForCheckpointAsync("web-1", c => c.Status?.Phase == Phase.Succeeded, "succeeded");
        await cluster.CreateRestoreAsync("copy", new RestoreSpec { CheckpointName = "web-1", NewPod = new NewPodTarget { NodeName = "node-1" } });
        await cluster.Kubelet.StartRestorePodAsync(OperatorHarness.Ns, "copy", Eventually.DefaultTimeout);
        await cluster.WaitForRestoreAsync("copy", r => r.Status?.Phase == Phase.Succeeded, "succeeded");
        await cluster.CreateRestoreAsync("brief", new RestoreSpec { CheckpointName = "web-1", NewPod = new NewPodTarget { NodeName = "node-1" }, TtlSecondsAfterFinished = 0 });
        await cluster.Kubelet.StartRestorePodAsync(OperatorHarness.Ns, "brief", Eventually.DefaultTimeout);
        await Eventually.TrueAsync(async () => (await cluster.Client.CustomObjects.ListNamespacedCustomObjectAsync<RestoreList>(
            CryoNames.Group, CryoNames.Version, OperatorHarness.Ns, Restore.Plural)).Items.All(r => r.Metadata.Name != "brief"), "the Restore with a TTL of 0 is deleted");
        await using (KubeletLoop.Start(cluster.Client, cluster.Kubelet, OperatorHarness.Ns, CryoNames.RestoreSetLabel, "node-1"))
        {
            await cluster.CreateRestoreSetAsync("ci", new RestoreSetSpec { CheckpointName = "web-1", Replicas = 2, WarmPool = 1 });
            await cluster.WaitForRestoreSetAsync("ci", s => s.Status is { ReadyReplicas: 2, RunningWarmPods: 1 }, "two copies and a warm pod");
            await cluster.ScaleAsync("ci", 1);
            var set = await cluster.WaitForRestoreSetAsync("ci", s => s.Status is { Replicas: 1, ObservedGeneration: 2 }, "scaled down");
            set.Spec.Template = new PodOverlay { Metadata = new PodOverlayMetadata { Labels = new Dictionary<string, string> { ["tier"] = "ci" } } };
            await cluster.Client.CustomObjects.ReplaceNamespacedCustomObjectAsync<RestoreSet>(set, CryoNames.Group, CryoNames.Version, OperatorHarness.Ns, RestoreSet.Plural, "ci");
            await cluster.WaitForEventAsync("ci", e => e.Reason == ConditionReasons.WarmPodDeleted, "the outdated warm pod deleted");
        }

        // A Migration to the node the pod runs on already: read, and failed through its status.
        await cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync<Migration>(
            new Migration { Metadata = new k8s.Models.V1ObjectMeta { Name = "stay", NamespaceProperty = OperatorHarness.Ns }, Spec = new MigrationSpec { PodName = "web", NodeName = "node-1" } },
            CryoNames.Group, CryoNames.Version, OperatorHarness.Ns, Migration.Plural);
        await Eventually.TrueAsync(async () => (await cluster.Client.CustomObjects.GetNamespacedCustomObjectAsync<Migration>(
            CryoNames.Group, CryoNames.Version, OperatorHarness.Ns, Migration.Plural, "stay")).Status?.Phase == MigrationPhase.Failed, "the Migration failed");
        // One choosing its target by labels no node carries: the nodes are listed, and it fails before stopping anything.
        await cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync<Migration>(
            new Migration
            {
                Metadata = new k8s.Models.V1ObjectMeta { Name = "anywhere", NamespaceProperty = OperatorHarness.Ns },
                Spec = new MigrationSpec { PodName = "web", NodeSelector = new Dictionary<string, string> { ["zone"] = "nowhere" } },
            },
            CryoNames.Group, CryoNames.Version, OperatorHarness.Ns, Migration.Plural);
        await Eventually.TrueAsync(async () => (await cluster.Client.CustomObjects.GetNamespacedCustomObjectAsync<Migration>(
            CryoNames.Group, CryoNames.Version, OperatorHarness.Ns, Migration.Plural, "anywhere")).Status?.Phase == MigrationPhase.Failed, "the Migration found no node");

        await cluster.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(CryoNames.Group, CryoNames.Version, OperatorHarness.Ns, Checkpoint.Plural, "web-1");
        await Eventually.TrueAsync(() => cluster.Agents["node-1"].Engine.DeleteCalls.Any(d => d.Checkpoint.Name == "web-1"), "images deleted");
        await Eventually.TrueAsync(async () => (await cluster.GetScheduleAsync("minutely")).Status?.LastSuccessfulCheckpoint is not null &&
                                               (await cluster.ListCheckpointsAsync($"{CryoNames.ScheduleLabel}=minutely")).Count == 0,
            "the schedule's run succeeded and was pruned");
        await Eventually.TrueAsync(() => cluster.Api.Requests.Any(r => r.Client == "operator-1" && r.Method == "PATCH" && r.Path.EndsWith("/checkpoints/web-1")), "finalizer removed");

        // The leader renews its lease periodically: wait for one renewal so the run always shows it.
        await Eventually.TrueAsync(() => cluster.Api.Requests.Any(r => r.Client == "operator-1" && r.Method == "PUT" && r.Path.Contains("/leases/", StringComparison.Ordinal)), "lease renewed");

        // Act
        var used = cluster.Api.Requests.Where(r => r.Client == "operator-1").Select(Permission).ToHashSet();
        var granted = GrantedPermissions();

        // Assert
        Assert.Empty(used.Except(granted));
        Assert.Equal(UnobservableButRequired, granted.Except(used).ToHashSet());
    }

    private static string Permission(RecordedRequest r)
    {
        var s = r.Path.Trim('/').Split('/');
        var (group, rest) = s[0] == "api" ? ("", s[2..]) : (s[1], s[3..]);
        if (rest.Length >= 2 && rest[0] == "namespaces")
        {
            rest = rest[2..];
        }

        var resource = rest.Length == 3 ? $"{rest[0]}/{rest[2]}" : rest[0];
        var verb = r.Method switch
        {
            "GET" when rest.Length == 1 => r.Query.Contains("watch=true") ? "watch" : "list",
            "GET" => "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => "delete",
            _ => r.Method,
        };
        return $"{group}/{resource} {verb}";
    }

    private static HashSet<string> GrantedPermissions([CallerFilePath] string here = "")
    {
        var root = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "../../.."));
        var permissions = new HashSet<string>();
        foreach (var file in new[] { "role.yaml", "leader_election_role.yaml" })
        {
            var doc = new DeserializerBuilder().Build().Deserialize<Dictionary<string, object>>(File.ReadAllText(Path.Combine(root, "config/rbac", file)));
            foreach (Dictionary<object, object> rule in (List<object>)doc["rules"])
            {
                foreach (string group in (List<object>)rule["apiGroups"])
                {
                    foreach (string resource in (List<object>)rule["resources"])
                    {
                        foreach (string verb in (List<object>)rule["verbs"])
                        {
                            permissions.Add($"{group}/{resource} {verb}");
                        }
                    }
                }
            }
        }

        return permissions;
    }
}
