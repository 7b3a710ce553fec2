package dev.modelops.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.sun.net.httpserver.HttpServer;
import dev.modelops.api.v1alpha1.DriftPolicy;
import dev.modelops.api.v1alpha1.DriftPolicySpec;
import dev.modelops.api.v1alpha1.DriftPolicyStatus;
import dev.modelops.api.v1alpha1.DriftPolicyStatus.Band;
import dev.modelops.api.v1alpha1.DriftPolicyStatus.State;
import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.api.v1alpha1.ExperimentStatus;
import dev.modelops.api.v1alpha1.ModelVersion;
import dev.modelops.bundle.ReferenceProfile;
import dev.modelops.bundle.drift.DriftCounts;
import dev.modelops.bundle.drift.DriftReport;
import dev.modelops.operator.Labels;
import dev.modelops.operator.drift.DriftPolicyReconciler;
import dev.modelops.operator.drift.ModelServerSource;
import dev.modelops.operator.drift.Observation;
import dev.modelops.operator.drift.PolicyMetrics;
import dev.modelops.operator.drift.PrometheusSource;
import dev.modelops.operator.drift.Webhooks;
import dev.modelops.testing.Cluster;
import java.net.http.HttpResponse;
import dev.modelops.testing.ClusterObjects;
import dev.modelops.operator.serving.ServingObservation;
import dev.modelops.operator.serving.ServerAnswers;
import dev.modelops.testing.KubeExtension;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DriftPolicy reconciler, run by JOSDK with a clock the test moves, against a real
 * kube-apiserver, measuring two real model-server
 * processes (two replicas of churn-v1) that serve a bundle the real trainer made. Fed traffic
 * replayed from the training distribution the policy stays Healthy; fed only month-to-month
 * contracts it reaches Retraining once, however often it is evaluated. The same measurement
 * through a real Prometheus (Debian's package) scraping both servers agrees.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DriftPolicyIT {
  static final String NS = "drift";
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @TempDir static Path tmp;
  static KubernetesClient client;
  static Path bundle;
  static ModelServerProcess a;
  static ModelServerProcess b;
  static List<Map<String, Object>> rows;
  static final MutableClock clock = new MutableClock(Instant.now());
  static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  static final Webhooks webhooks = new Webhooks(http, 5, Duration.ofMillis(200));

  /** The API server and the DriftPolicy reconciler alone: no other reconciler writes the statuses this test sets. */
  @RegisterExtension
  static final KubeExtension kube = KubeExtension.withCrds(Path.of("../crds")).namespaces(NS).operator(own -> {
    Operator operator = new Operator(o -> o.withKubernetesClient(own).withUseSSAToPatchPrimaryResource(true));
    operator.register(new DriftPolicyReconciler(http, webhooks, new PolicyMetrics(new SimpleMeterRegistry()), clock), o -> o.settingNamespace(NS));
    operator.start();
    return operator::stop;
  });

  @BeforeAll
  static void start() throws Exception {
    bundle = ModelServerProcess.trainChurn(tmp);
    rows = ModelServerProcess.churnRecords(bundle);
    // Two replicas of one version, each with a window of the 500 most recent predictions; b serves
    // drift and metrics on an admin port of their own (as with the chart's networkPolicy.enabled),
    // a on its one port (as servers an older operator started): both are read and scraped.
    a = ModelServerProcess.start(bundle, tmp, Map.of("MODEL_DRIFT_WINDOW", "500"));
    b = ModelServerProcess.start(bundle, tmp, Map.of("MODEL_DRIFT_WINDOW", "500", "MODEL_ADMIN_PORT", Integer.toString(ModelServerProcess.freePort())));
    client = kube.client();

    // The template Experiment, the served version and its two ready pods (no kubelet runs here:
    // the test writes the pods' status, pointing at the two server processes).
    Experiment template = YAML.readValue(Path.of("../examples/churn/experiment.yaml").toFile(), Experiment.class);
    template.getMetadata().setNamespace(NS);
    client.resource(template).create();
    ModelVersion mv = YAML.readValue(Path.of("../examples/churn/modelversion.yaml").toFile(), ModelVersion.class);
    mv.getMetadata().setNamespace(NS);
    client.resource(mv).create();
    for (ModelServerProcess s : List.of(a, b)) {
      servingPod("churn-v1-" + s.port, 1, s.port, s.adminPort);
    }
  }

  static void servingPod(String name, int version, int port) {
    servingPod(name, version, port, 0);
  }

  static void servingPod(String name, int version, int port, int adminPort) {
    Cluster.runPod(client, NS, name, Map.of("modelops.dev/model", "churn", "modelops.dev/version", Integer.toString(version)), "model-server",
        "server:test", port, adminPort);
  }

  @AfterAll
  static void stop() {
    webhooks.close();
    for (AutoCloseable c : new AutoCloseable[] {a, b}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // best effort
      }
    }
  }

  /**
   * The policy after its evaluation at the clock's time. Time passing does not wake the
   * reconciler (it reschedules in real time), so the test wakes it as any change of the model's
   * versions does: a touched annotation on churn-v1.
   */
  static DriftPolicy reconcile(String name) {
    nudge();
    String now = clock.instant().toString();
    return client.resources(DriftPolicy.class).inNamespace(NS).withName(name)
        .waitUntilCondition(p -> p.getStatus() != null && now.equals(p.getStatus().getLastEvaluationTime()), 30, TimeUnit.SECONDS);
  }

  static void nudge() {
    client.resources(ModelVersion.class).inNamespace(NS).withName("churn-v1")
        .edit(m -> {
          if (m.getMetadata().getAnnotations() == null) {
            m.getMetadata().setAnnotations(new java.util.HashMap<>());
          }
          m.getMetadata().getAnnotations().put("test.modelops.dev/nudge", Long.toString(System.nanoTime()));
          return m;
        });
  }

  static DriftPolicy applyExamplePolicy(String name, java.util.function.Consumer<DriftPolicySpec> edit) throws Exception {
    return client.resource(examplePolicy(name, edit)).create();
  }

  /** The example policy, named {@code name}, changed by {@code edit}; not applied. */
  static DriftPolicy examplePolicy(String name, java.util.function.Consumer<DriftPolicySpec> edit) throws Exception {
    DriftPolicy policy = YAML.readValue(Path.of("../examples/churn/drift-policy.yaml").toFile(), DriftPolicy.class);
    policy.getMetadata().setName(name);
    policy.getMetadata().setNamespace(NS);
    edit.accept(policy.getSpec());
    return policy;
  }

  /** Sends half of the records to each replica. */
  static void serve(List<Map<String, Object>> records) throws Exception {
    a.predict(records.subList(0, records.size() / 2));
    b.predict(records.subList(records.size() / 2, records.size()));
  }

  static DriftPolicyStatus.CheckResult check(DriftPolicy p, String metric) {
    return p.getStatus().getChecks().stream().filter(c -> c.getMetric().equals(metric)).findFirst().orElseThrow();
  }

  static List<Experiment> retrains(String policy) {
    return client.resources(Experiment.class).inNamespace(NS).withLabel(Labels.DRIFT_POLICY, policy).list().getItems();
  }

  @Test
  @Order(1)
  void trafficLikeTheTrainingDataStaysHealthy() throws Exception {
    List<Map<String, Object>> sample = new ArrayList<>(rows);
    Collections.shuffle(sample, new Random(7));
    serve(sample.subList(0, 1000));
    applyExamplePolicy("churn-drift", spec -> spec.setInterval("1m"));

    DriftPolicy p = reconcile("churn-drift");
    assertThat(p.getStatus().getState()).as(p.getStatus().getMessage()).isEqualTo(State.Healthy);
    assertThat(p.getStatus().getModelVersion()).isEqualTo("churn-v1");
    DriftPolicyStatus.CheckResult share = check(p, "driftedFeatureShare");
    assertThat(share.getSamples()).as("both replicas' windows, summed").isEqualTo(1000);
    assertThat(share.getBand()).isEqualTo(Band.Ok);
    assertThat(share.getValue()).isLessThan(0.1);
    assertThat(check(p, "liveAccuracy").getBand()).isEqualTo(Band.InsufficientData);
    assertThat(p.getStatus().getObservedGeneration()).isEqualTo(p.getMetadata().getGeneration());
    assertThat(Instant.parse(p.getStatus().getNextEvaluationTime())).isEqualTo(clock.instant().plus(Duration.ofMinutes(1)));
    assertThat(retrains("churn-drift")).isEmpty();

    // Early wake-ups (a restart, a watch event) do not evaluate again before the interval.
    nudge();
    Thread.sleep(1000);
    DriftPolicy early = client.resources(DriftPolicy.class).inNamespace(NS).withName("churn-drift").get();
    assertThat(early.getStatus().getLastEvaluationTime()).isEqualTo(p.getStatus().getLastEvaluationTime());
    assertThat(early.getMetadata().getResourceVersion()).isEqualTo(p.getMetadata().getResourceVersion());
  }

  @Test
  @Order(2)
  void aShiftedSliceRetrainsOnceNamingTheDriftedFeaturesHoweverOftenItIsEvaluated() throws Exception {
    List<Map<String, Object>> monthToMonth = rows.stream().filter(r -> "Month-to-month".equals(r.get("contract"))).limit(1000).toList();
    serve(monthToMonth);
    clock.advance(Duration.ofMinutes(1));
    DriftPolicy p = reconcile("churn-drift");
    assertThat(p.getStatus().getState()).as(p.getStatus().getMessage()).isEqualTo(State.Retraining);
    assertThat(check(p, "featureDrift").getBand()).isEqualTo(Band.Retrain);
    List<Experiment> retrains = retrains("churn-drift");
    assertThat(retrains).hasSize(1);
    Experiment retrain = retrains.get(0);
    assertThat(retrain.getMetadata().getName()).isEqualTo("churn-drift-retrain-1");
    assertThat(retrain.getSpec().getDataset().getUri()).isEqualTo("pvc://data/telco-churn.csv");
    assertThat(retrain.getSpec().getModel()).isEqualTo("churn");
    assertThat(retrain.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(o -> assertThat(o.getUid()).isEqualTo(p.getMetadata().getUid()));
    assertThat(p.getStatus().getRetrains()).singleElement().satisfies(r -> {
      assertThat(r.getExperiment()).isEqualTo("churn-drift-retrain-1");
      assertThat(r.getReason()).contains("featureDrift[contract]", "drifted: ", "contract");
    });
    String evaluatedAt = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    assertThat(Cluster.eventsOnce(client, NS, e -> "RetrainStarted".equals(e.getReason()) && "churn-drift".equals(e.getInvolvedObject().getName())))
        .anyMatch(e -> "RetrainStarted".equals(e.getReason()) && e.getMessage().contains("contract") && "churn-drift".equals(e.getInvolvedObject().getName())
            && evaluatedAt.equals(e.getLastTimestamp())); // stamped by the operator's clock, which the test moved

    // The drift stays for hours: evaluations every minute never start a second retrain while one
    // runs, nor within the 24h cooldown after it finished.
    for (int i = 0; i < 5; i++) {
      clock.advance(Duration.ofMinutes(1));
      assertThat(reconcile("churn-drift").getStatus().getState()).isEqualTo(State.Retraining);
    }
    ExperimentStatus done = new ExperimentStatus();
    done.setPhase(ExperimentStatus.Phase.Succeeded);
    retrain.setStatus(done);
    client.resource(retrain).updateStatus();
    Thread.sleep(500); // the operator's informer hears of it
    clock.advance(Duration.ofHours(3));
    DriftPolicy cooling = reconcile("churn-drift");
    assertThat(cooling.getStatus().getState()).isEqualTo(State.Drifted);
    assertThat(cooling.getStatus().getMessage()).contains("cooldown");
    assertThat(retrains("churn-drift")).hasSize(1);
    clock.advance(Duration.ofHours(22));
    assertThat(reconcile("churn-drift").getStatus().getRetrainCount()).isEqualTo(2);
    assertThat(retrains("churn-drift")).extracting(e -> e.getMetadata().getName())
        .containsExactlyInAnyOrder("churn-drift-retrain-1", "churn-drift-retrain-2");
  }

  @Test
  @Order(3)
  void prometheusGivesTheSameVerdictFromTheScrapedSeries() throws Exception {
    requirePrometheus();
    try (PrometheusProcess prometheus = PrometheusProcess.start(tmp, List.of(a.metricsPort(), b.metricsPort()))) {
      DriftPolicy policy = prometheusPolicy("churn-drift-prom", prometheus.url);
      ModelVersion mv = client.resources(ModelVersion.class).inNamespace(NS).withName("churn-v1").get();
      Observation direct = new ModelServerSource(client, http).observe(policy, mv);
      Observation viaPrometheus = scraped(policy, mv, o -> o.samples() == direct.samples());
      assertThat(viaPrometheus.replicas()).isEqualTo(2);
      assertThat(viaPrometheus.samples()).isEqualTo(1000);
      assertThat(viaPrometheus.drifted()).contains("contract");
      assertThat(viaPrometheus.features()).hasSameSizeAs(direct.features());
      double contractDirect = direct.features().stream().filter(f -> f.name().equals("contract")).findFirst().orElseThrow().score();
      double contractProm = viaPrometheus.features().stream().filter(f -> f.name().equals("contract")).findFirst().orElseThrow().score();
      assertThat(contractProm).isCloseTo(contractDirect, org.assertj.core.data.Offset.offset(1e-6));
      assertThat(viaPrometheus.predictionDrift()).isCloseTo(direct.predictionDrift(), org.assertj.core.data.Offset.offset(0.05));

      client.resource(policy).create(); // evaluated at once, now that Prometheus has scraped both
      DriftPolicy p = reconcile("churn-drift-prom");
      assertThat(p.getStatus().getState()).as(p.getStatus().getMessage()).isEqualTo(State.Retraining);
      assertThat(p.getStatus().getRetrains().get(0).getReason()).contains("contract");
    }
  }

  @Test
  @Order(3)
  void prometheusCountsOnlyTheWatchedNamespaceWhenSeriesCarryNamespaces() throws Exception {
    requirePrometheus();
    // Another team serves a model of the same name and version in its own namespace, on other traffic.
    Path other = Files.createDirectories(tmp.resolve("other-team"));
    try (ModelServerProcess c = ModelServerProcess.start(bundle, other, Map.of("MODEL_DRIFT_WINDOW", "500"))) {
      c.predict(rows.subList(0, 300));
      Map<Integer, Map<String, String>> targets = new java.util.LinkedHashMap<>();
      targets.put(a.metricsPort(), Map.of("namespace", NS));
      targets.put(b.metricsPort(), Map.of("namespace", NS));
      targets.put(c.port, Map.of("namespace", "other-team"));
      try (PrometheusProcess prometheus = PrometheusProcess.start(Files.createDirectories(tmp.resolve("prom-ns")), targets)) {
        DriftPolicy policy = prometheusPolicy("churn-drift-prom-ns", prometheus.url);
        ModelVersion mv = client.resources(ModelVersion.class).inNamespace(NS).withName("churn-v1").get();
        Observation direct = new ModelServerSource(client, http).observe(policy, mv);
        PrometheusSource source = new PrometheusSource(http, new ModelServerSource(client, http)::reference);
        HttpClient plain = HttpClient.newHttpClient();
        long deadline = System.currentTimeMillis() + 60_000;
        // Wait until all three servers are scraped, so that a merge would show.
        while (true) {
          String all = plain.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(prometheus.url
              + "/api/v1/query?query=count(model_drift_window_samples)")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
          if (all.contains("\"3\"")) {
            break;
          }
          assertThat(System.currentTimeMillis()).as("Prometheus scraped three servers: " + all).isLessThan(deadline);
          Thread.sleep(500);
        }
        Observation viaPrometheus = source.observe(policy, mv);
        assertThat(viaPrometheus.replicas()).as("the other namespace's replica is not counted").isEqualTo(2);
        assertThat(viaPrometheus.samples()).isEqualTo(direct.samples());

        ModelVersion elsewhere = client.resources(ModelVersion.class).inNamespace(NS).withName("churn-v1").get();
        elsewhere.getMetadata().setNamespace("nobody-here");
        assertThatThrownBy(() -> source.observe(policy, elsewhere)).hasMessageContaining("none is nobody-here");
      }
    }
  }

  @Test
  @Order(3)
  void prometheusSeesLabelledFeedbackAsTheModelServersDo() throws Exception {
    requirePrometheus();
    // Each replica scores again 300 of the month-to-month records it saw last (so its drift window
    // holds the same records) and is told their true labels: 600 labels, over minSamples 500.
    List<Integer> truth = ModelServerProcess.churnLabels();
    List<Integer> monthToMonth = IntStream.range(0, rows.size()).filter(i -> "Month-to-month".equals(rows.get(i).get("contract"))).limit(1000)
        .boxed().toList();
    long given = 0;
    long right = 0;
    for (Map.Entry<ModelServerProcess, List<Integer>> replica : List.of(Map.entry(a, monthToMonth.subList(0, 300)), Map.entry(b, monthToMonth.subList(500, 800)))) {
      List<JsonNode> answers = replica.getKey().answers(replica.getValue().stream().map(rows::get).toList());
      List<Map<String, Object>> labels = new ArrayList<>();
      for (int k = 0; k < answers.size(); k++) {
        int label = truth.get(replica.getValue().get(k));
        labels.add(Map.of("id", answers.get(k).path("id").asText(), "label", label));
        right += answers.get(k).path("class").asInt() == label ? 1 : 0;
      }
      assertThat(replica.getKey().feedback(labels)).isEqualTo(300);
      given += 300;
    }
    double accuracy = (double) right / given;

    try (PrometheusProcess prometheus = PrometheusProcess.start(Files.createDirectories(tmp.resolve("prom-feedback")), List.of(a.metricsPort(), b.metricsPort()))) {
      DriftPolicy policy = prometheusPolicy("churn-drift-prom-feedback", prometheus.url);
      ModelVersion mv = client.resources(ModelVersion.class).inNamespace(NS).withName("churn-v1").get();
      Observation direct = new ModelServerSource(client, http).observe(policy, mv);
      assertThat(direct.feedback()).isEqualTo(given);
      assertThat(direct.feedbackCorrect()).isEqualTo(right);
      long labelled = given;
      Observation viaPrometheus = scraped(policy, mv, o -> o.feedback() == labelled);
      assertThat(viaPrometheus.replicas()).isEqualTo(2);
      assertThat(viaPrometheus.feedback()).as("labelled predictions summed over both replicas' series").isEqualTo(direct.feedback());
      assertThat(viaPrometheus.feedbackCorrect()).isEqualTo(direct.feedbackCorrect());

      // The policy's liveAccuracy check, through Prometheus and straight from the servers.
      client.resource(policy).create();
      DriftPolicyStatus.CheckResult prom = check(reconcile("churn-drift-prom-feedback"), "liveAccuracy");
      client.resource(examplePolicy("churn-drift-feedback", spec -> { })).create();
      DriftPolicyStatus.CheckResult servers = check(reconcile("churn-drift-feedback"), "liveAccuracy");
      assertThat(prom.getBand()).as(prom.getMessage()).isNotEqualTo(Band.InsufficientData);
      assertThat(prom.getSamples()).isEqualTo(given);
      assertThat(prom.getValue()).as("rounded to 6 places in the status").isCloseTo(accuracy, org.assertj.core.data.Offset.offset(1e-6));
      assertThat(prom.getMessage()).isEqualTo(right + " of " + given + " right");
      assertThat(servers.getBand()).as(servers.getMessage()).isEqualTo(prom.getBand());
      assertThat(servers.getSamples()).isEqualTo(prom.getSamples());
      assertThat(servers.getValue()).isEqualTo(prom.getValue());
    }
  }

  /**
   * What {@link PrometheusSource} observes once Prometheus has scraped both replicas and
   * {@code done} holds, or after a minute of trying, its last observation.
   */
  static Observation scraped(DriftPolicy policy, ModelVersion mv, java.util.function.Predicate<Observation> done) throws Exception {
    PrometheusSource source = new PrometheusSource(http, new ModelServerSource(client, http)::reference);
    Observation viaPrometheus = null;
    String lastProblem = null;
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      try {
        viaPrometheus = source.observe(policy, mv);
        if (viaPrometheus.replicas() == 2 && done.test(viaPrometheus)) {
          break;
        }
      } catch (dev.modelops.operator.drift.DriftSource.SourceException e) {
        lastProblem = e.getMessage(); // not scraped yet
      }
      Thread.sleep(500);
    }
    assertThat(viaPrometheus).as("Prometheus scraped both replicas; last answer: " + lastProblem).isNotNull();
    return viaPrometheus;
  }

  /** The example policy, named {@code name}, reading through the Prometheus at {@code url}; not applied. */
  static DriftPolicy prometheusPolicy(String name, String url) throws Exception {
    return examplePolicy(name, spec -> {
      spec.getSource().setType(DriftPolicySpec.SourceType.PROMETHEUS);
      spec.getSource().setPrometheusUrl(url);
    });
  }

  /** Skips without Prometheus on a developer's machine; CI sets MODELOPS_REQUIRE_PROMETHEUS, so there it must run. */
  static void requirePrometheus() {
    if (System.getenv("MODELOPS_REQUIRE_PROMETHEUS") == null) {
      assumeTrue(PrometheusProcess.available(), "Prometheus is not installed at " + PrometheusProcess.BINARY + " (apt-get install prometheus)");
    }
  }

  /** One check (warn from contract drift 0.1), no retrain, the webhook at {@code url} in {@code format} (null: the default). */
  static java.util.function.Consumer<DriftPolicySpec> warnOnContract(String url, DriftPolicySpec.WebhookFormat format) {
    return spec -> {
      DriftPolicySpec.Check contract = new DriftPolicySpec.Check();
      contract.setMetric(DriftPolicySpec.CheckMetric.featureDrift);
      contract.setFeature("contract");
      contract.setWarn(0.1);
      spec.setChecks(List.of(contract));
      spec.setRetrain(null);
      DriftPolicySpec.Alert alert = new DriftPolicySpec.Alert();
      alert.setWebhook(url);
      alert.setFormat(format);
      spec.setAlert(alert);
    };
  }

  @Test
  @Order(4)
  void theWebhookHearsOfWarningsWithRetriesAndNeverBlocksTheReconcile() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    List<String> bodies = new CopyOnWriteArrayList<>();
    HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/hook", ex -> {
      bodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      int status = calls.incrementAndGet() <= 2 ? 503 : 200; // the receiver is down twice
      ex.sendResponseHeaders(status, -1);
      ex.close();
    });
    receiver.start();
    try {
      applyExamplePolicy("churn-watch", warnOnContract("http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook", null));
      DriftPolicy p = reconcile("churn-watch");
      assertThat(p.getStatus().getState()).isEqualTo(State.Warning);
      assertThat(calls.get()).as("the reconcile returned before the webhook's retries").isLessThan(3);
      long deadline = System.currentTimeMillis() + 30_000;
      while (calls.get() < 3 && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
      }
      assertThat(calls.get()).isEqualTo(3);
      assertThat(bodies.get(2)).contains("\"state\":\"Warning\"", "\"modelVersion\":\"churn-v1\"", "contract");
      assertThat(p.getSpec().getAlert().getFormat()).as("the CRD's default").isEqualTo(DriftPolicySpec.WebhookFormat.JSON);

      // The same warning as a Slack incoming-webhook message.
      List<String> slack = new CopyOnWriteArrayList<>();
      receiver.createContext("/slack", ex -> {
        slack.add(ex.getRequestHeaders().getFirst("Content-Type") + " " + new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        ex.sendResponseHeaders(200, -1);
        ex.close();
      });
      applyExamplePolicy("churn-watch-slack",
          warnOnContract("http://127.0.0.1:" + receiver.getAddress().getPort() + "/slack", DriftPolicySpec.WebhookFormat.SLACK));
      assertThat(reconcile("churn-watch-slack").getStatus().getState()).isEqualTo(State.Warning);
      deadline = System.currentTimeMillis() + 30_000;
      while (slack.isEmpty() && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
      }
      assertThat(slack).singleElement().satisfies(b -> {
        assertThat(b).startsWith("application/json ");
        JsonNode message = new ObjectMapper().readTree(b.substring("application/json ".length()));
        assertThat(message.path("text").asText()).startsWith(":warning: Model churn (churn-v1) is Warning, DriftPolicy drift/churn-watch-slack: ")
            .contains("contract");
        assertThat(message.path("blocks").get(0).path("text").path("text").asText()).isEqualTo("Model churn: Warning");
      });
    } finally {
      receiver.stop(0);
    }
  }

  @Test
  @Order(5)
  void aNewProductionVersionIsFollowedWithAFreshWindow() throws Exception {
    ModelVersion v2 = YAML.readValue(Path.of("../examples/churn/modelversion.yaml").toFile(), ModelVersion.class);
    v2.getMetadata().setName("churn-v2");
    v2.getMetadata().setNamespace(NS);
    v2.getSpec().setVersion(2);
    client.resource(v2).create();
    clock.advance(Duration.ofHours(1));
    DriftPolicy p = reconcile("churn-drift");
    assertThat(p.getStatus().getModelVersion()).isEqualTo("churn-v2");
    // Its pods are not ready yet: no drift data, and the previous version's values are gone.
    assertThat(p.getStatus().getMessage()).contains("no ready pod of ModelVersion churn-v2");
    assertThat(check(p, "driftedFeatureShare").getBand()).isEqualTo(Band.InsufficientData);
    assertThat(p.getStatus().getConditions()).anyMatch(c -> "Ready".equals(c.getType()) && "SourceUnavailable".equals(c.getReason()));
    assertThat(p.getStatus().getRetrains()).hasSize(2);
  }

  /**
   * Two replicas that saw different customers: Prometheus's answer is the report of the summed
   * bin counts, to 1e-9, exactly what the model-server source computes (not a mix of the
   * replicas' own scores, which differs as soon as their traffic does).
   */
  @Test
  @Order(6)
  void prometheusComputesTheReportOfTheSummedCountsOfReplicasWithDifferentTraffic() throws Exception {
    requirePrometheus();
    List<Map<String, Object>> monthly = rows.stream().filter(r -> "Month-to-month".equals(r.get("contract"))).toList();
    List<Map<String, Object>> yearly = rows.stream().filter(r -> !"Month-to-month".equals(r.get("contract"))).toList();
    // Each window holds 500: a sees mostly month-to-month customers, b mostly yearly ones.
    List<Map<String, Object>> toA = new ArrayList<>(monthly.subList(0, 450));
    toA.addAll(yearly.subList(0, 50));
    List<Map<String, Object>> toB = new ArrayList<>(yearly.subList(100, 500));
    toB.addAll(monthly.subList(1000, 1100));
    a.predict(toA);
    b.predict(toB);

    // What the model-server source computes: the report of the summed /v1/drift/counts.
    ObjectMapper json = new ObjectMapper().configure(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    DriftCounts summed = null;
    for (ModelServerProcess s : List.of(a, b)) {
      DriftCounts counts = json.readValue(s.getAdmin("/v1/drift/counts").body(), DriftCounts.class);
      summed = summed == null ? counts : summed.plus(counts);
    }
    ReferenceProfile reference = json.readValue(a.getAdmin("/v1/drift/reference").body(), ReferenceProfile.class);
    DriftReport expected = DriftReport.of(reference, summed, DriftReport.Thresholds.defaults());
    assertThat(expected.samples()).isEqualTo(1000);

    try (PrometheusProcess prometheus = PrometheusProcess.start(Files.createDirectories(tmp.resolve("prom-exact")), List.of(a.metricsPort(), b.metricsPort()))) {
      DriftPolicy policy = prometheusPolicy("churn-drift-prom-exact", prometheus.url);
      ModelVersion mv = client.resources(ModelVersion.class).inNamespace(NS).withName("churn-v1").get();
      Observation viaPrometheus = scraped(policy, mv, o -> o.samples() == 1000);
      Observation direct = new ModelServerSource(client, http).observe(policy, mv);
      assertThat(viaPrometheus.samples()).isEqualTo(expected.samples()).isEqualTo(direct.samples());
      assertThat(viaPrometheus.replicas()).isEqualTo(2);
      assertThat(viaPrometheus.predictionDrift()).as("prediction PSI").isCloseTo(expected.predictionPsi(), org.assertj.core.data.Offset.offset(1e-9));
      assertThat(viaPrometheus.features()).extracting(Observation.Feature::name)
          .containsExactlyInAnyOrderElementsOf(expected.features().stream().map(DriftReport.FeatureDrift::name).toList());
      for (DriftReport.FeatureDrift want : expected.features()) {
        Observation.Feature got = viaPrometheus.features().stream().filter(f -> f.name().equals(want.name())).findFirst().orElseThrow();
        assertThat(got.score()).as(want.name() + " score").isCloseTo(want.score(), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(got.missingShare()).as(want.name() + " missing share").isCloseTo(want.missingShare(), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(got.type()).as(want.name() + " type").isEqualTo(want.type());
        assertThat(got.drifted()).as(want.name() + " drifted").isEqualTo(want.drifted());
      }
      assertThat(viaPrometheus.drifted()).as("the same drifted features as the model-server source").isEqualTo(direct.drifted());
      // Each replica's own contract score is high, the summed customers' is not: the mean of the
      // replicas' scores (each window holds 500) would be far off.
      double contract = expected.features().stream().filter(f -> f.name().equals("contract")).findFirst().orElseThrow().score();
      assertThat((ownContractScore(a) + ownContractScore(b)) / 2 - contract).as("the replicas' mean contract score over the summed one").isGreaterThan(0.1);
    }
  }

  /** The contract feature's drift score in a replica's own report (GET /v1/drift). */
  static double ownContractScore(ModelServerProcess s) throws Exception {
    for (JsonNode f : new ObjectMapper().readTree(s.getAdmin("/v1/drift").body()).path("report").path("features")) {
      if ("contract".equals(f.path("name").asText())) {
        return f.path("score").asDouble();
      }
    }
    throw new AssertionError("no contract feature in the drift report of the server on port " + s.port);
  }

  @Test
  @Order(7)
  void linkLocalUrlsAreNotCalledAndTheStatusAndOneWarningEventSayWhy() throws Exception {
    // Past the API server's rule (the policy opts in), stopped by the operator, which does not allow such URLs.
    applyExamplePolicy("churn-imds", spec -> {
      spec.setAllowLinkLocal(true);
      spec.getSource().setType(DriftPolicySpec.SourceType.PROMETHEUS);
      spec.getSource().setPrometheusUrl("http://169.254.169.254:9090");
    });
    // A notation the API server's rule does not know: 2852039166 is 169.254.169.254.
    applyExamplePolicy("churn-decimal-hook", spec -> {
      DriftPolicySpec.Alert alert = new DriftPolicySpec.Alert();
      alert.setWebhook("http://2852039166/latest/meta-data/");
      spec.setAlert(alert);
    });
    DriftPolicy imds = reconcile("churn-imds");
    assertThat(imds.getStatus().getMessage()).contains("spec.source.prometheusUrl http://169.254.169.254:9090 leads to 169.254.169.254",
        "spec.allowLinkLocal is true, but this operator does not allow such URLs");
    assertThat(imds.getStatus().getConditions()).anyMatch(c -> "Ready".equals(c.getType()) && "False".equals(c.getStatus())
        && "SourceUnavailable".equals(c.getReason()));
    DriftPolicy hook = client.resources(DriftPolicy.class).inNamespace(NS).withName("churn-decimal-hook")
        .waitUntilCondition(p -> p.getStatus() != null && p.getStatus().getMessage() != null, 30, TimeUnit.SECONDS);
    assertThat(hook.getStatus().getMessage()).contains("spec.alert.webhook http://2852039166/latest/meta-data/ leads to 169.254.169.254");
    // Evaluated again later: still refused, no second Event, and never a failed reconcile.
    clock.advance(Duration.ofMinutes(10));
    imds = reconcile("churn-imds");
    assertThat(imds.getStatus().getConditions()).noneMatch(c -> "ReconcileError".equals(c.getReason()));
    for (String policy : List.of("churn-imds", "churn-decimal-hook")) {
      String field = policy.equals("churn-imds") ? "spec.source.prometheusUrl" : "spec.alert.webhook";
      assertThat(Cluster.eventsOnce(client, NS, e -> policy.equals(e.getInvolvedObject().getName()) && e.getMessage().contains(field))).as(policy)
          .filteredOn(e -> policy.equals(e.getInvolvedObject().getName()) && "Warning".equals(e.getType()) && e.getMessage().contains(field))
          .hasSize(1);
    }
  }

  @Test
  @Order(8)
  void theOperatorSumsTheServersAnswersReadOnEachOnesAdminPortForARollback() throws Exception {
    a.predict(rows.subList(0, 7));
    b.predict(rows.subList(0, 5));
    long expected = 0;
    for (ModelServerProcess s : List.of(a, b)) {
      HttpResponse<String> stats = s.getAdmin("/v1/stats");
      assertThat(stats.statusCode()).isEqualTo(200);
      expected += new ObjectMapper().readTree(stats.body()).path("requests").asLong();
    }
    assertThat(b.get("/v1/stats").statusCode()).as("b keeps its statistics off the inference port").isEqualTo(404);
    List<io.fabric8.kubernetes.api.model.Pod> pods = List.of(
        ClusterObjects.servingPod("churn-v1-a", Map.of(), "model-server", "server:test", a.port, a.adminPort),
        ClusterObjects.servingPod("churn-v1-b", Map.of(), "model-server", "server:test", b.port, b.adminPort));
    ServingObservation.Answers answers = new ServerAnswers(http).of(pods).orElseThrow();
    assertThat(answers.requests()).as("both servers read, each on its port").isEqualTo(expected).isGreaterThanOrEqualTo(12);
    assertThat(answers.serverErrors()).isZero();
  }

  /** A clock the test moves. */
  static final class MutableClock extends Clock {
    private volatile Instant now;

    MutableClock(Instant now) {
      this.now = now;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}
