package dev.modelops.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.modelops.api.testing.RealApiServer;
import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart: it lints, renders with defaults and with every option on, its ClusterRole is
 * exactly the rules file OperatorRunIT proves, and everything it renders (and its CRDs, as Helm
 * installs them) is accepted by a real kube-apiserver.
 */
class HelmChartIT {
  static final Path HELM = Path.of(System.getenv().getOrDefault("HELM_BINARY",
      System.getProperty("user.home") + "/.cache/modelops/helm/v3.17.3/helm"));
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  static KubeAPIServer server;
  static KubernetesClient client;

  @BeforeAll
  static void start() {
    if (System.getenv("MODELOPS_REQUIRE_HELM") == null) {
      assumeTrue(Files.isExecutable(HELM), "helm is not at " + HELM + "; build it with `bash tools/helm/helm-binary.sh`");
    }
    server = RealApiServer.start();
    client = RealApiServer.client(server);
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.stop();
    }
  }

  static String helm(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(HELM.toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("helm %s:\n%s", String.join(" ", args), out).isZero();
    return out;
  }

  static List<JsonNode> documents(String yaml) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    try (var parser = YAML.getFactory().createParser(yaml)) {
      for (var it = YAML.readValues(parser, JsonNode.class); it.hasNext(); ) {
        JsonNode n = it.next();
        if (n != null && !n.isEmpty()) {
          out.add(n);
        }
      }
    }
    return out;
  }

  static JsonNode kind(List<JsonNode> docs, String kind) {
    return docs.stream().filter(d -> kind.equals(d.path("kind").asText())).findFirst().orElseThrow(() -> new AssertionError("no " + kind));
  }

  @Test
  void theChartLintsRendersAndIsAcceptedByTheApiServer() throws Exception {
    helm("lint", "--strict", "modelops");
    List<JsonNode> defaults = documents(helm("template", "modelops", "modelops", "--namespace", "modelops-system"));
    assertThat(defaults).extracting(d -> d.path("kind").asText())
        .containsExactlyInAnyOrder("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Service", "Deployment");

    // The ClusterRole is the rules file the operator's RBAC test proves necessary and sufficient.
    JsonNode rules = YAML.readTree(Path.of("../operator/src/main/resources/rbac/operator-clusterrole.yaml").toFile()).path("rules");
    assertThat(kind(defaults, "ClusterRole").path("rules")).isEqualTo(rules);

    // The images by default are the ones this build makes (./mvnw package -Pimages), at the project version.
    String version = System.getProperty("modelops.version");
    JsonNode operator = kind(defaults, "Deployment").path("spec").path("template").path("spec").path("containers").get(0);
    assertThat(operator.path("image").asText()).isEqualTo("modelops/operator:" + version);
    assertThat(operator.path("env").findValuesAsText("value"))
        .contains("modelops/trainer-job:" + version, "modelops/model-server:" + version);
    assertThat(kind(defaults, "Deployment").path("spec").path("template").path("spec").path("securityContext").path("runAsUser").asLong())
        .as("the images' non-root user").isEqualTo(65532);

    List<JsonNode> all = documents(helm("template", "modelops", "modelops", "--namespace", "modelops-system",
        "--set", "metrics.serviceMonitor.enabled=true,metrics.prometheusRule.enabled=true,artifacts.create=true,replicaCount=2",
        "--set", "watchNamespaces={team-a,team-b}"));
    assertThat(all).extracting(d -> d.path("kind").asText()).contains("ServiceMonitor", "PrometheusRule", "PersistentVolumeClaim");
    JsonNode container = kind(all, "Deployment").path("spec").path("template").path("spec").path("containers").get(0);
    assertThat(container.path("env").findValuesAsText("value")).contains("team-a,team-b", "modelops-system");
    assertThat(container.path("securityContext").path("readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(container.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/readyz");
    assertThat(kind(all, "PrometheusRule").toString()).contains("modelops_driftpolicy_state{state=\\\"Alerting\\\"}");

    // Helm installs crds/ first, then the templates: the real API server accepts all of it.
    try (Stream<Path> crds = Files.list(Path.of("modelops/crds"))) {
      for (Path crd : crds.toList()) {
        client.load(Files.newInputStream(crd)).serverSideApply();
      }
    }
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("modelops-system").endMetadata().build()).create();
    for (JsonNode doc : all) {
      String kind = doc.path("kind").asText();
      if (kind.equals("ServiceMonitor") || kind.equals("PrometheusRule")) {
        continue; // the Prometheus Operator's CRDs are not installed here
      }
      List<HasMetadata> applied = client.load(new ByteArrayInputStream(YAML.writeValueAsBytes(doc))).serverSideApply();
      assertThat(applied).as(kind).hasSize(1);
    }
    Deployment d = client.apps().deployments().inNamespace("modelops-system").withName("modelops").get();
    assertThat(d.getSpec().getReplicas()).isEqualTo(2);
    assertThat(d.getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo("modelops");
    assertThat(client.apiextensions().v1().customResourceDefinitions().list().getItems()).hasSize(3);
    GenericKubernetesResource role = client.genericKubernetesResources("rbac.authorization.k8s.io/v1", "ClusterRole").withName("modelops").get();
    assertThat(role).isNotNull();
  }
}
