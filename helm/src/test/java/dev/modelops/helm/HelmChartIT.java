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
    return helm(true, args);
  }

  /** Runs helm, which must fail; its output. */
  static String helmFails(String... args) throws Exception {
    return helm(false, args);
  }

  private static String helm(boolean succeeds, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(HELM.toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    if (succeeds) {
      assertThat(p.exitValue()).as("helm %s:\n%s", String.join(" ", args), out).isZero();
    } else {
      assertThat(p.exitValue()).as("helm %s must fail:\n%s", String.join(" ", args), out).isNotZero();
    }
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
        .containsExactlyInAnyOrder("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Service", "Deployment", "ConfigMap");
    // The Grafana dashboard, for the dashboard sidecar: the chart's file, labelled as the sidecar looks for.
    JsonNode dashboard = kind(defaults, "ConfigMap");
    assertThat(dashboard.path("metadata").path("labels").path("grafana_dashboard").asText()).isEqualTo("1");
    assertThat(new ObjectMapper().readTree(dashboard.path("data").path("modelops.json").asText()))
        .isEqualTo(new ObjectMapper().readTree(Path.of("modelops/dashboards/modelops.json").toFile()));
    assertThat(documents(helm("template", "modelops", "modelops", "--set", "grafana.dashboard.enabled=false")))
        .extracting(d -> d.path("kind").asText()).doesNotContain("ConfigMap");

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
        "--set", "networkPolicy.enabled=true",
        "--set", "watchNamespaces={team-a,team-b}"));
    assertThat(all).extracting(d -> d.path("kind").asText()).contains("ServiceMonitor", "PrometheusRule", "PersistentVolumeClaim",
        "NetworkPolicy", "Role", "RoleBinding").doesNotContain("ClusterRole", "ClusterRoleBinding");
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
    for (String ns : List.of("modelops-system", "team-a", "team-b")) {
      client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    }
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
    GenericKubernetesResource role = client.genericKubernetesResources("rbac.authorization.k8s.io/v1", "Role").inNamespace("team-a").withName("modelops").get();
    assertThat(role).isNotNull();
    assertThat(client.network().v1().networkPolicies().inNamespace("team-b").withName("modelops-model-servers").get()).isNotNull();
  }

  /** group/resource:verb for every rule of a list of RBAC rules. */
  static java.util.SortedSet<String> grants(JsonNode rules) {
    java.util.SortedSet<String> out = new java.util.TreeSet<>();
    for (JsonNode rule : rules) {
      for (JsonNode group : rule.path("apiGroups")) {
        for (JsonNode resource : rule.path("resources")) {
          for (JsonNode verb : rule.path("verbs")) {
            out.add(group.asText() + "/" + resource.asText() + ":" + verb.asText());
          }
        }
      }
    }
    return out;
  }

  /** Whether the API server's authorizer lets the ServiceAccount do {@code grant} (group/resource[/sub]:verb) in a namespace ("" cluster-wide). */
  static boolean allowed(String serviceAccount, String grant, String namespace) {
    String[] groupRest = grant.split("/", 2);
    String[] resourceVerb = groupRest[1].split(":");
    String[] resource = resourceVerb[0].split("/");
    var review = new io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder().withNewSpec()
        .withUser("system:serviceaccount:" + serviceAccount).withGroups("system:serviceaccounts", "system:authenticated")
        .withNewResourceAttributes().withGroup(groupRest[0]).withResource(resource[0]).withSubresource(resource.length > 1 ? resource[1] : null)
        .withVerb(resourceVerb[1]).withNamespace(namespace).endResourceAttributes().endSpec().build();
    return client.authorization().v1().subjectAccessReview().create(review).getStatus().getAllowed();
  }

  @Test
  void withWatchNamespacesTheOperatorHasItsRulesThereAndNoRightAnywhereElse() throws Exception {
    List<JsonNode> docs = documents(helm("template", "scoped", "modelops", "--namespace", "scoped-system", "--set", "watchNamespaces={team-c,team-d}"));
    java.util.SortedSet<String> file = grants(YAML.readTree(Path.of("../operator/src/main/resources/rbac/operator-clusterrole.yaml").toFile()).path("rules"));
    java.util.SortedSet<String> leases = new java.util.TreeSet<>(file.stream().filter(g -> g.startsWith("coordination.k8s.io/leases:")).toList());
    java.util.SortedSet<String> watched = new java.util.TreeSet<>(file);
    watched.removeAll(leases);
    assertThat(leases).isNotEmpty();
    // Every rule of the file, split: the watched kinds in each watched namespace, the Lease in the release namespace.
    for (JsonNode doc : docs) {
      String kind = doc.path("kind").asText();
      String ns = doc.path("metadata").path("namespace").asText();
      if (kind.equals("Role")) {
        assertThat(grants(doc.path("rules"))).as("Role in %s", ns).isEqualTo(ns.equals("scoped-system") ? leases : watched);
      }
    }
    assertThat(docs).filteredOn(d -> d.path("kind").asText().equals("Role")).extracting(d -> d.path("metadata").path("namespace").asText())
        .containsExactlyInAnyOrder("team-c", "team-d", "scoped-system");

    // On a real API server, as its authorizer decides for the operator's ServiceAccount.
    for (String ns : List.of("scoped-system", "team-c", "team-d", "team-e")) {
      client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    }
    for (JsonNode doc : docs) {
      client.load(new ByteArrayInputStream(YAML.writeValueAsBytes(doc))).serverSideApply();
    }
    String sa = "scoped-system:scoped-modelops";
    for (String grant : watched) {
      assertThat(allowed(sa, grant, "team-c") && allowed(sa, grant, "team-d")).as("%s in the watched namespaces", grant).isTrue();
      assertThat(allowed(sa, grant, "team-e")).as("%s in a namespace it does not watch", grant).isFalse();
      assertThat(allowed(sa, grant, "")).as("%s cluster-wide", grant).isFalse();
    }
    for (String grant : leases) {
      assertThat(allowed(sa, grant, "scoped-system")).as("%s in the release namespace", grant).isTrue();
      assertThat(allowed(sa, grant, "team-c")).as("%s elsewhere", grant).isFalse();
    }
  }

  @Test
  void anMlflowTrackingUriReachesTheOperatorOnlyWhenGiven() throws Exception {
    JsonNode with = kind(documents(helm("template", "mlf", "modelops", "--namespace", "mlf-system",
        "--set", "mlflow.trackingUri=http://mlflow.mlflow.svc:5000")), "Deployment");
    assertThat(with.path("spec").path("template").path("spec").path("containers").get(0).path("env").toString())
        .contains("{\"name\":\"MODELOPS_MLFLOW_TRACKING_URI\",\"value\":\"http://mlflow.mlflow.svc:5000\"}");
    JsonNode without = kind(documents(helm("template", "mlf", "modelops", "--namespace", "mlf-system")), "Deployment");
    assertThat(without.path("spec").path("template").path("spec").path("containers").get(0).path("env").toString())
        .doesNotContain("MODELOPS_MLFLOW_TRACKING_URI");
  }

  @Test
  void networkPoliciesKeepDriftAndMetricsToTheOperatorAndPrometheusAndTheApiServerAcceptsThem() throws Exception {
    List<JsonNode> docs = documents(helm("template", "netpol", "modelops", "--namespace", "netpol-system",
        "--set", "networkPolicy.enabled=true", "--set", "networkPolicy.modelServerNamespaces={shop}"));
    JsonNode deployment = kind(docs, "Deployment");
    JsonNode operatorPods = deployment.path("spec").path("selector").path("matchLabels");
    assertThat(deployment.path("spec").path("template").path("spec").path("containers").get(0).path("env").toString())
        .as("the operator gives model servers their admin port").contains("{\"name\":\"MODELOPS_SERVER_ADMIN_PORT\",\"value\":\"8081\"}");
    List<JsonNode> policies = docs.stream().filter(d -> d.path("kind").asText().equals("NetworkPolicy")).toList();
    assertThat(policies).extracting(p -> p.path("metadata").path("namespace").asText()).containsExactlyInAnyOrder("netpol-system", "shop");
    JsonNode prometheus = YAML.readTree("[{namespaceSelector: {}, podSelector: {matchLabels: {app.kubernetes.io/name: prometheus}}}]");

    // The operator: its probe and metrics port, from Prometheus only.
    JsonNode operator = policies.stream().filter(p -> p.path("metadata").path("namespace").asText().equals("netpol-system")).findFirst().orElseThrow();
    assertThat(operator.path("spec").path("podSelector").path("matchLabels")).isEqualTo(operatorPods);
    assertThat(operator.path("spec").path("policyTypes")).isEqualTo(YAML.readTree("[Ingress]"));
    assertThat(operator.path("spec").path("ingress")).hasSize(1);
    assertThat(operator.path("spec").path("ingress").get(0).path("ports")).isEqualTo(YAML.readTree("[{port: 8081, protocol: TCP}]"));
    assertThat(operator.path("spec").path("ingress").get(0).path("from")).isEqualTo(prometheus);

    // Model servers: selected by the labels the operator gives them (operator's Labels.of("model-server", ...),
    // pinned from that side by ServingDecisionTest); inference from their namespace (and the operator), drift
    // and metrics from the operator's Pods and Prometheus only.
    JsonNode servers = policies.stream().filter(p -> p.path("metadata").path("namespace").asText().equals("shop")).findFirst().orElseThrow();
    assertThat(servers.path("spec").path("podSelector").path("matchLabels")).isEqualTo(YAML.readTree(
        "{app.kubernetes.io/name: modelops, app.kubernetes.io/component: model-server, app.kubernetes.io/managed-by: modelops-operator}"));
    JsonNode ingress = servers.path("spec").path("ingress");
    assertThat(ingress).hasSize(2);
    assertThat(ingress.get(0).path("ports")).isEqualTo(YAML.readTree("[{port: 8080, protocol: TCP}]"));
    JsonNode operatorPeer = YAML.createObjectNode().<com.fasterxml.jackson.databind.node.ObjectNode>set("namespaceSelector",
        YAML.readTree("{matchLabels: {kubernetes.io/metadata.name: netpol-system}}")).set("podSelector", YAML.createObjectNode().set("matchLabels", operatorPods));
    assertThat(ingress.get(0).path("from")).isEqualTo(YAML.createArrayNode().add(YAML.readTree("{podSelector: {}}")).add(operatorPeer));
    assertThat(ingress.get(1).path("ports")).isEqualTo(YAML.readTree("[{port: 8081, protocol: TCP}]"));
    assertThat(ingress.get(1).path("from")).isEqualTo(YAML.createArrayNode().add(operatorPeer).add(prometheus.get(0)));

    // Chosen peers replace the defaults; with no peer for the operator it admits nothing (a rule
    // without peers would admit everyone).
    List<JsonNode> custom = documents(helm("template", "netpol", "modelops", "--namespace", "netpol-system",
        "--set", "networkPolicy.enabled=true,networkPolicy.prometheus=null,networkPolicy.modelServerAdminPort=9091",
        "--set", "watchNamespaces={shop}",
        "--set-json", "networkPolicy.inferenceFrom=[{\"namespaceSelector\":{\"matchLabels\":{\"kubernetes.io/metadata.name\":\"ingress\"}}}]"));
    List<JsonNode> customPolicies = custom.stream().filter(d -> d.path("kind").asText().equals("NetworkPolicy")).toList();
    JsonNode closed = customPolicies.stream().filter(p -> p.path("metadata").path("name").asText().equals("netpol-modelops")).findFirst().orElseThrow();
    assertThat(closed.path("spec").path("ingress").isArray() && closed.path("spec").path("ingress").isEmpty()).as(closed.toString()).isTrue();
    JsonNode shop = customPolicies.stream().filter(p -> p.path("metadata").path("namespace").asText().equals("shop")).findFirst().orElseThrow();
    assertThat(shop.path("spec").path("ingress").get(0).path("from").toString()).contains("ingress").doesNotContain("\"podSelector\":{}");
    assertThat(shop.path("spec").path("ingress").get(1).path("ports").get(0).path("port").asInt()).isEqualTo(9091);
    assertThat(shop.path("spec").path("ingress").get(1).path("from")).as("the operator alone").hasSize(1);

    // Without it, model servers keep one port.
    JsonNode off = kind(documents(helm("template", "netpol", "modelops", "--namespace", "netpol-system")), "Deployment");
    assertThat(off.path("spec").path("template").path("spec").path("containers").get(0).path("env").toString())
        .contains("{\"name\":\"MODELOPS_SERVER_ADMIN_PORT\",\"value\":\"0\"}");

    // The real API server accepts them as rendered (its NetworkPolicy validation).
    for (String ns : List.of("netpol-system", "shop")) {
      client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    }
    for (JsonNode policy : java.util.stream.Stream.concat(policies.stream(), customPolicies.stream()).toList()) {
      assertThat(client.load(new ByteArrayInputStream(YAML.writeValueAsBytes(policy))).serverSideApply()).hasSize(1);
    }
    assertThat(client.network().v1().networkPolicies().inNamespace("shop").withName("netpol-modelops-model-servers").get()
        .getSpec().getIngress().get(1).getPorts().get(0).getPort().getIntVal()).as("the second render, applied over the first").isEqualTo(9091);
  }

  @Test
  void networkPoliciesWithoutTheNamespacesOfTheModelServersOrWithInferencesPortAreRefusedSayingWhatToSet() throws Exception {
    assertThat(helmFails("template", "modelops", "modelops", "--set", "networkPolicy.enabled=true"))
        .contains("networkPolicy.enabled", "networkPolicy.modelServerNamespaces", "watchNamespaces");
    assertThat(helmFails("template", "modelops", "modelops", "--set", "networkPolicy.enabled=true",
        "--set", "watchNamespaces={shop},networkPolicy.modelServerAdminPort=8080"))
        .contains("networkPolicy.modelServerAdminPort is 8080", "1024 to 65535 other than 8080");
  }

  /**
   * values.schema.json: a wrong type, a value outside its enum or range, a malformed duration or
   * quantity, an unknown key are refused by helm template, lint and install, naming the value.
   */
  @Test
  void wrongValuesAreRefusedByTheSchemaNamingThem(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    java.util.Map<String, String> wrong = new java.util.LinkedHashMap<>();
    wrong.put("replicaCount=two", "replicaCount: Invalid type. Expected: integer, given: string");
    wrong.put("image.pullPolicy=Sometimes", "image.pullPolicy must be one of the following: \"Always\", \"IfNotPresent\", \"Never\"");
    wrong.put("replicas=2", "Additional property replicas is not allowed");
    wrong.put("metrics.serviceMonitor.enabled=yes", "metrics.serviceMonitor.enabled: Invalid type. Expected: boolean, given: string");
    wrong.put("metrics.prometheusRule.driftFor=ten", "metrics.prometheusRule.driftFor: Does not match pattern");
    wrong.put("probePort=80", "probePort: Must be greater than or equal to 1024");
    wrong.put("artifacts.accessModes={ReadWriteSometimes}", "artifacts.accessModes.0 must be one of the following");
    wrong.put("resources.limits.memory=lots", "resources.limits.memory: Does not match pattern");
    wrong.put("networkPolicy.inferenceFrom[0].podSelectr.app=x", "Additional property podSelectr is not allowed");
    wrong.put("watchNamespaces={Team_A}", "watchNamespaces.0: Does not match pattern");
    for (var w : wrong.entrySet()) {
      assertThat(helmFails("template", "modelops", "modelops", "--set", w.getKey())).as("helm template --set %s", w.getKey())
          .contains("values don't meet the specifications of the schema").contains(w.getValue());
    }
    assertThat(helmFails("lint", "modelops", "--set", "image.pullPolicy=Sometimes")).contains("image.pullPolicy must be one of the following");
    Path kubeconfig = RealApiServer.kubeconfig(server, tmp);
    assertThat(helmFails("install", "schema-check", "modelops", "--namespace", "default", "--kubeconfig", kubeconfig.toString(),
        "--set", "replicaCount=two")).contains("replicaCount: Invalid type. Expected: integer, given: string");
    assertThat(client.apps().deployments().inNamespace("default").list().getItems()).as("nothing installed").isEmpty();
  }

  /** Every value values.yaml sets has a place in the schema, and the schema knows no value that values.yaml lacks. */
  @Test
  void theSchemaCoversEveryValue() throws Exception {
    JsonNode values = YAML.readTree(Path.of("modelops/values.yaml").toFile());
    JsonNode schema = new ObjectMapper().readTree(Path.of("modelops/values.schema.json").toFile());
    List<String> missing = new ArrayList<>();
    uncovered("", values, schema, schema, missing);
    assertThat(missing).as("values without a schema").isEmpty();
    List<String> extra = new ArrayList<>();
    schema.path("properties").fieldNames().forEachRemaining(k -> {
      if (!k.equals("global") && !values.has(k)) {
        extra.add(k);
      }
    });
    assertThat(extra).as("schema properties that values.yaml lacks").isEmpty();
  }

  private static void uncovered(String path, JsonNode value, JsonNode schema, JsonNode root, List<String> missing) {
    while (schema.has("$ref")) {
      schema = root.at(schema.path("$ref").asText().substring(1));
    }
    if (!schema.has("type") && !schema.has("oneOf") && !schema.has("enum")) {
      missing.add(path.replaceAll("\\.$", "") + " (no type)");
    }
    if (value.isObject() && schema.has("properties")) {
      for (var it = value.fields(); it.hasNext(); ) {
        var e = it.next();
        JsonNode child = schema.path("properties").path(e.getKey());
        if (child.isMissingNode()) {
          missing.add(path + e.getKey());
        } else {
          uncovered(path + e.getKey() + ".", e.getValue(), child, root, missing);
        }
      }
    }
  }
}
