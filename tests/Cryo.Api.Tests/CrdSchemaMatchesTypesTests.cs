using k8s.Models;

namespace Cryo.Api.Tests;

public class CrdSchemaMatchesTypesTests
{
    [Theory]
    [InlineData("checkpoints.cryo.io.yaml", typeof(Checkpoint))]
    [InlineData("restores.cryo.io.yaml", typeof(Restore))]
    [InlineData("checkpointschedules.cryo.io.yaml", typeof(CheckpointSchedule))]
    [InlineData("restoresets.cryo.io.yaml", typeof(RestoreSet))]
    [InlineData("migrations.cryo.io.yaml", typeof(Migration))]
    public void Schema_Should_AgreeWithTypes_FieldByField(string file, Type type)
    {
        // Arrange
        var crd = CrdDocument.Load(file);
        var comparer = new SchemaTypeComparer();

        // Act
        comparer.CompareObject(type.Name, crd.Schema, type, isRoot: true);

        // Assert
        Assert.True(comparer.Problems.Count == 0, string.Join(Environment.NewLine, comparer.Problems));
    }

    [Theory]
    [InlineData("checkpoints.cryo.io.yaml", typeof(Checkpoint), "ckpt")]
    [InlineData("restores.cryo.io.yaml", typeof(Restore), "rst")]
    [InlineData("checkpointschedules.cryo.io.yaml", typeof(CheckpointSchedule), "ckptsched")]
    [InlineData("restoresets.cryo.io.yaml", typeof(RestoreSet), "rset")]
    [InlineData("migrations.cryo.io.yaml", typeof(Migration), "mig")]
    public void Crd_Should_NameTheSameResourceAsTheType(string file, Type type, string shortName)
    {
        // Arrange
        var crd = CrdDocument.Load(file);
        var entity = (KubernetesEntityAttribute)Attribute.GetCustomAttribute(type, typeof(KubernetesEntityAttribute))!;

        // Act
        var names = crd.Names;

        // Assert
        Assert.Equal(entity.Group, CrdDocument.Str(crd.Spec, "group"));
        Assert.Equal(entity.ApiVersion, CrdDocument.Str(crd.Version, "name"));
        Assert.Equal(entity.Kind, CrdDocument.Str(names, "kind"));
        Assert.Equal(entity.PluralName, CrdDocument.Str(names, "plural"));
        Assert.Equal($"{entity.PluralName}.{entity.Group}", CrdDocument.Str(CrdDocument.Map(crd.Root, "metadata"), "name"));
        Assert.Equal([shortName], ((List<object>)names["shortNames"]).Cast<string>());
        Assert.Equal(["cryo"], ((List<object>)names["categories"]).Cast<string>());
        Assert.Equal("Namespaced", CrdDocument.Str(crd.Spec, "scope"));
        Assert.True(CrdDocument.Map(crd.Version, "subresources").ContainsKey("status"));
    }

    [Fact]
    public void Comparer_Should_ReportMismatch_When_TypeLacksASchemaField()
    {
        // Arrange: the Restore schema compared with the Checkpoint type must disagree, or the comparer proves nothing.
        var crd = CrdDocument.Load("restores.cryo.io.yaml");
        var comparer = new SchemaTypeComparer();

        // Act
        comparer.CompareObject("Checkpoint", crd.Schema, typeof(Checkpoint), isRoot: true);

        // Assert
        Assert.Contains(comparer.Problems, p => p.Contains("spec.checkpointName: in the schema, missing from CheckpointSpec"));
        Assert.Contains(comparer.Problems, p => p.Contains("spec.podName: in CheckpointSpec, missing from the schema"));
    }

    [Theory]
    [InlineData("checkpoints.cryo.io.yaml", new[] { "Phase", "Pod", "Node", "Size", "Stored", "Parent", "Flat-Copy", "Age" })]
    [InlineData("restores.cryo.io.yaml", new[] { "Checkpoint", "Pod", "Node", "Phase", "Age" })]
    [InlineData("checkpointschedules.cryo.io.yaml", new[] { "Schedule", "Every", "Suspend", "Last Schedule", "Last Success", "Age" })]
    [InlineData("restoresets.cryo.io.yaml", new[] { "Checkpoint", "Desired", "Current", "Ready", "Warm", "Age" })]
    [InlineData("migrations.cryo.io.yaml", new[] { "Pod", "From", "To", "Mode", "Phase", "Downtime", "Age" })]
    public void Crd_Should_PrintTheAgreedColumns(string file, string[] columns)
    {
        // Arrange
        var crd = CrdDocument.Load(file);

        // Act
        var names = ((List<object>)crd.Version["additionalPrinterColumns"])
            .Cast<Dictionary<object, object>>().Select(c => CrdDocument.Str(c, "name"));

        // Assert
        Assert.Equal(columns, names);
    }

    [Fact]
    public void RestoreSetCrd_Should_ScaleThroughTheFieldsTheTypeNames()
    {
        // Arrange
        var crd = CrdDocument.Load("restoresets.cryo.io.yaml");

        // Act
        var scale = CrdDocument.Map(CrdDocument.Map(crd.Version, "subresources"), "scale");

        // Assert: kubectl scale and autoscalers write spec.replicas and read status.replicas and status.selector.
        Assert.Equal(".spec.replicas", CrdDocument.Str(scale, "specReplicasPath"));
        Assert.Equal(".status.replicas", CrdDocument.Str(scale, "statusReplicasPath"));
        Assert.Equal(".status.selector", CrdDocument.Str(scale, "labelSelectorPath"));
        Assert.NotNull(typeof(RestoreSetSpec).GetProperty(nameof(RestoreSetSpec.Replicas)));
        Assert.NotNull(typeof(RestoreSetStatus).GetProperty(nameof(RestoreSetStatus.Selector)));
    }

    [Fact]
    public void RestoreSetCrd_Should_LimitTheNameAsTheTypeSays()
    {
        // Arrange
        var crd = CrdDocument.Load("restoresets.cryo.io.yaml");

        // Act
        var rules = ((List<object>)crd.Schema["x-kubernetes-validations"]).Cast<Dictionary<object, object>>().Select(r => CrdDocument.Str(r, "rule"));

        // Assert
        Assert.Contains($"self.metadata.name.size() <= {RestoreSet.MaxNameLength}", rules);
    }
}
