namespace Cryo.Deploy.Tests.Kustomize;

/// <summary>The checker the kustomize tests rely on finds what an API server would refuse.</summary>
public sealed class ApiObjectCheckerTests
{
    [Fact]
    public void Checker_Should_ReportProblems_When_ObjectsAreIncomplete()
    {
        // Arrange: a Deployment whose selector misses its labels, a container without image, a probe on an
        // undeclared port; a Service selecting nothing; a binding to a missing role.
        var objects = YamlDocuments.Parse("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: d, namespace: n}
            spec:
              selector: {matchLabels: {app: x}}
              template:
                metadata: {labels: {app: y}}
                spec:
                  serviceAccountName: nobody
                  containers:
                    - name: c
                      livenessProbe: {httpGet: {path: /, port: http}}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: s, namespace: n}
            spec: {selector: {app: z}, ports: [{port: 80}]}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: ClusterRoleBinding
            metadata: {name: b}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: missing}
            subjects: [{kind: ServiceAccount, name: sa}]
            """, "test");

        // Act
        var problems = objects.SelectMany(ApiObjectChecker.Check).Concat(ApiObjectChecker.CheckReferences(objects)).ToList();

        // Assert
        foreach (var expected in new[]
                 {
                     "do not match spec.selector", "no image", "port 'http'", "serviceAccountName nobody",
                     "matches no pod template", "roleRef ClusterRole/missing", "needs a namespace",
                 })
        {
            Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
        }
    }
}
