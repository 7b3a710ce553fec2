package dev.modelops.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three images that {@code ./mvnw package -Pimages} writes, run as real containers by podman
 * the way the chart runs them (user 65532, read-only root, only /tmp writable): the trainer image
 * trains the churn example from a mounted data volume; the model-server image serves that bundle
 * and answers exactly as the jar does, then stops on SIGTERM with its inference log flushed; the
 * operator image reconciles an Experiment on a real kube-apiserver through a mounted kubeconfig.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContainerImagesIT {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  @TempDir static Path tmp;
  private static Path out;
  private static String containerResult;

  @BeforeAll
  static void writableOutput() throws IOException {
    out = tmp.resolve("out");
    Files.createDirectories(out);
    // The containers run as 65532, not as the user running the tests.
    Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rwxrwxrwx"));
  }

  @Test
  @Order(1)
  void theTrainerImageTrainsTheChurnExampleFromAMountedVolume() throws Exception {
    String image = Podman.load(Podman.archiveOrSkip("trainer-job"), "modelops/trainer-job:" + Podman.VERSION);
    Path examples = Path.of("../examples").toAbsolutePath().normalize();
    // The example reads pvc://data/telco-churn.csv: examples/data is mounted where a trial Pod
    // mounts claim "data", under the image's default pvc root /mnt/modelops.
    Podman.Result r = Podman.run(List.of("--rm", "--network", "none",
        "--volume", examples.resolve("churn") + ":/examples/churn:ro", "--volume", examples.resolve("data") + ":/mnt/modelops/data:ro",
        "--volume", out + ":/out", "--env", "MODELOPS_TERMINATION_LOG=/out/termination-log",
        image, "--experiment", "/examples/churn/experiment.yaml", "--param", "max_depth=4", "--output", "/out/bundle"));
    r.orFail("the trainer container");
    String[] lines = r.stdout().strip().split("\n");
    containerResult = lines[lines.length - 1];
    JsonNode result = ModelServerProcess.JSON.readTree(containerResult);
    assertThat(result.path("status").asText()).isEqualTo("Succeeded");
    assertThat(result.path("bundleUri").asText()).isEqualTo("/out/bundle");
    assertThat(Files.readString(out.resolve("termination-log"))).isEqualTo(containerResult);
    assertThat(out.resolve("bundle").resolve("manifest.json")).isRegularFile();

    // The same trial from the plain jar gives the same model: the image changes nothing.
    Path jarBundle = ModelServerProcess.trainChurn(tmp.resolve("jar"));
    assertThat(Files.readAllBytes(out.resolve("bundle/model.ubj"))).isEqualTo(Files.readAllBytes(jarBundle.resolve("model.ubj")));
    assertThat(result.path("metrics").path("roc_auc").asDouble()).isGreaterThan(0.8);
  }

  @Test
  @Order(2)
  void theModelServerImageAnswersLikeTheJarAndFlushesItsLogOnSigterm() throws Exception {
    String image = Podman.load(Podman.archiveOrSkip("model-server"), "modelops/model-server:" + Podman.VERSION);
    assertThat(out.resolve("bundle/manifest.json")).as("the trainer test made the bundle").isRegularFile();
    Path log = tmp.resolve("inference-log");
    Files.createDirectories(log);
    Files.setPosixFilePermissions(log, PosixFilePermissions.fromString("rwxrwxrwx"));
    // The image maps its application class-data-sharing archive; -Xshare:on makes a JVM that
    // cannot (a classpath that no longer matches the archive) fail instead of starting slowly.
    assertThat(Podman.podman(List.of("image", "inspect", "--format", "{{json .Config.Entrypoint}}", image)).orFail("podman image inspect").stdout())
        .contains("-XX:SharedArchiveFile=/app/cds/model-server.jsa");
    int port = freePort();
    String container = Podman.start(List.of("--network", "host",
        "--volume", out + ":/models:ro", "--volume", log + ":/log", "--env", "JAVA_TOOL_OPTIONS=-Xshare:on",
        "--env", "MODEL_BUNDLE=/models/bundle", "--env", "MICRONAUT_SERVER_PORT=" + port, "--env", "MODEL_INFERENCE_LOG=/log", image));
    try {
      awaitOk("http://127.0.0.1:" + port + "/v2/health/ready", container);
      String csv = Files.readString(Path.of("../examples/data/telco-churn.csv"));
      List<String> fromImage = scores(post("http://127.0.0.1:" + port + "/v1/predict/batch", csv));
      List<String> fromJar;
      try (ModelServerProcess jar = ModelServerProcess.start(out.resolve("bundle"), tmp, Map.of())) {
        fromJar = scores(post("http://127.0.0.1:" + jar.port + "/v1/predict/batch", csv));
      }
      assertThat(fromImage).hasSize(csv.strip().split("\n").length - 1).isEqualTo(fromJar);

      int exit = Podman.stop(container, 30);
      assertThat(exit).as("the JVM ended on SIGTERM (143), not SIGKILL (137):\n" + Podman.logs(container)).isEqualTo(143);
      long logged;
      try (Stream<Path> files = Files.list(log)) {
        logged = files.filter(Files::isRegularFile).mapToLong(ContainerImagesIT::lineCount).sum();
      }
      assertThat(logged).as("every prediction is in the inference log after SIGTERM").isEqualTo(fromImage.size());
    } finally {
      Podman.remove(container);
    }
  }

  @Test
  @Order(3)
  void theOperatorImageReconcilesAnExperimentThroughAMountedKubeconfig() throws Exception {
    String image = Podman.load(Podman.archiveOrSkip("operator"), "modelops/operator:" + Podman.VERSION);
    KubeAPIServer server = KubeApiServer.start();
    String container = null;
    try (KubernetesClient client = KubeApiServer.clientWithCrds(server)) {
      Path kubeconfig = tmp.resolve("kubeconfig");
      Files.writeString(kubeconfig, selfContained(server.getKubeConfigYaml()));
      Files.setPosixFilePermissions(kubeconfig, PosixFilePermissions.fromString("rw-r--r--"));
      int port = freePort();
      container = Podman.start(List.of("--network", "host", "--volume", kubeconfig + ":/etc/modelops/kubeconfig:ro",
          "--env", "KUBECONFIG=/etc/modelops/kubeconfig", "--env", "MODELOPS_PROBE_PORT=" + port, image));
      awaitOk("http://127.0.0.1:" + port + "/readyz", container);

      client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("default").endMetadata().build())
          .createOr(NonDeletingOperation::update);
      KubeApiServer.claim(client, "default", "modelops-artifacts");
      KubeApiServer.claim(client, "default", "data"); // the example's data (examples/cluster/storage.yaml)
      var exp = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
          .readValue(Path.of("../examples/churn/experiment.yaml").toFile(), dev.modelops.api.v1alpha1.Experiment.class);
      exp.getMetadata().setNamespace("default");
      client.resource(exp).create();
      Job job = client.batch().v1().jobs().inNamespace("default").withName("churn-baseline-t0")
          .waitUntilCondition(j -> j != null, 60, TimeUnit.SECONDS);
      var pod = job.getSpec().getTemplate().getSpec();
      assertThat(pod.getContainers().get(0).getImage()).as("the trainer image built with this operator")
          .isEqualTo("modelops/trainer-job:" + Podman.VERSION);
      assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(65532L);
      // The trial Pod passes the API server's "restricted" Pod Security admission, as it runs here.
      client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("restricted")
          .addToLabels("pod-security.kubernetes.io/enforce", "restricted").endMetadata().build()).create();
      client.pods().inNamespace("restricted").resource(new io.fabric8.kubernetes.api.model.PodBuilder()
          .withNewMetadata().withName("trial").endMetadata().withSpec(pod).build()).dryRun().create();
      var status = client.resources(dev.modelops.api.v1alpha1.Experiment.class).inNamespace("default").withName("churn-baseline")
          .waitUntilCondition(e -> e.getStatus() != null && e.getStatus().getTrials() != null && !e.getStatus().getTrials().isEmpty(),
              60, TimeUnit.SECONDS).getStatus();
      assertThat(status.getPhase()).isNotNull();
      assertThat(Podman.stop(container, 30)).as("stops on SIGTERM:\n" + Podman.logs(container)).isEqualTo(143);
    } finally {
      if (container != null) {
        Podman.remove(container);
      }
      server.stop();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /**
   * The kubeconfig with its certificate files inlined (as *-data), the way a kubeconfig is mounted
   * from a Secret: the files it names are on the host, not in the container.
   */
  private static String selfContained(String yaml) throws IOException {
    var mapper = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
    JsonNode config = mapper.readTree(yaml);
    for (String section : List.of("clusters", "users")) {
      for (JsonNode entry : config.path(section)) {
        var fields = (com.fasterxml.jackson.databind.node.ObjectNode) entry.path(section.equals("clusters") ? "cluster" : "user");
        for (String key : List.of("certificate-authority", "client-certificate", "client-key")) {
          if (fields.hasNonNull(key)) {
            byte[] pem = Files.readAllBytes(Path.of(fields.remove(key).asText()));
            fields.put(key + "-data", java.util.Base64.getEncoder().encodeToString(pem));
          }
        }
      }
    }
    return mapper.writeValueAsString(config);
  }

  /** Waits until a URL answers 200, failing with the container's log when it exits or does not answer within 90 s. */
  private static void awaitOk(String url, String container) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline && Podman.running(container)) {
      try {
        if (HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError(url + " never answered 200:\n" + Podman.logs(container));
  }

  private static String post(String url, String csv) throws IOException, InterruptedException {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "text/csv")
        .POST(HttpRequest.BodyPublishers.ofString(csv)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r.body();
  }

  /** The class and probability of each answered row, without the request ids (which differ). */
  private static List<String> scores(String body) {
    List<String> rows = new ArrayList<>();
    for (String line : body.strip().split("\n")) {
      if (!line.startsWith("id,")) {
        rows.add(line.substring(line.indexOf(',') + 1));
      }
    }
    return rows;
  }

  private static long lineCount(Path file) {
    try (Stream<String> lines = Files.lines(file)) {
      return lines.filter(l -> !l.isBlank()).count();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
