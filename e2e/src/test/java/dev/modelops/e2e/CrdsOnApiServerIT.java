package dev.modelops.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubeapitest.KubeAPIServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed CRDs on a real kube-apiserver, through kubectl as users run it: every example
 * is accepted, every file in examples/invalid/ is rejected with the message its "# expect:"
 * line names (schema validation and CEL rules run in the API server itself).
 */
class CrdsOnApiServerIT {
  private static final Pattern EXPECT = Pattern.compile("^# expect: ([^:]+): (.+)$", Pattern.MULTILINE);
  @TempDir static Path tmp;
  static KubeAPIServer server;
  static Path kubeconfig;

  @BeforeAll
  static void start() throws Exception {
    server = KubeApiServer.start();
    kubeconfig = KubeApiServer.kubeconfig(server, tmp);
    Result r = kubectl("apply", "-f", "../crds/");
    assertThat(r.code).as(r.output).isZero();
    assertThat(kubectl("wait", "--for=condition=Established", "crd", "--all", "--timeout=60s").code).isZero();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.stop();
    }
  }

  record Result(int code, String output) {}

  static Result kubectl(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(KubeApiServer.binaries().resolve("kubectl").toString());
    cmd.add("--kubeconfig=" + kubeconfig);
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return new Result(p.waitFor(), out);
  }

  @Test
  void everyExampleIsAcceptedAndDefaulted() throws Exception {
    List<Path> files;
    try (Stream<Path> s = Files.walk(Path.of("../examples"))) {
      files = s.filter(p -> p.toString().endsWith(".yaml") && !p.toString().contains("/invalid/")).sorted().toList();
    }
    assertThat(files).hasSizeGreaterThanOrEqualTo(5);
    for (Path f : files) {
      Result r = kubectl("apply", "--dry-run=server", "-o", "yaml", "-f", f.toString());
      assertThat(r.code).as(f + ": " + r.output).isZero();
    }
    Result r = kubectl("apply", "--dry-run=server", "-o", "jsonpath={.spec.search.maxFailedTrials}", "-f", "../examples/churn/experiment.yaml");
    assertThat(r.output).isEqualTo("2");
    r = kubectl("apply", "--dry-run=server", "-o", "jsonpath={.spec.dataset.features.categoricalMinCount}", "-f", "../examples/churn/experiment.yaml");
    assertThat(r.output).as("schema default").isEqualTo("5");
  }

  @Test
  void everyInvalidExampleIsRejectedNamingTheField() throws Exception {
    List<Path> files;
    try (Stream<Path> s = Files.list(Path.of("../examples/invalid"))) {
      files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(files).hasSizeGreaterThanOrEqualTo(10);
    for (Path f : files) {
      Matcher m = EXPECT.matcher(Files.readString(f));
      assertThat(m.find()).as(f.toString()).isTrue();
      Result r = kubectl("apply", "--dry-run=server", "-f", f.toString());
      assertThat(r.code).as(f + " must be rejected").isNotZero();
      assertThat(r.output).as(f.toString()).contains(m.group(1).trim()).contains(m.group(2).trim());
    }
  }

  @Test
  void kubectlListsAllThreeKindsByCategoryAndShortName() throws Exception {
    assertThat(kubectl("apply", "-f", "../examples/churn/").code).isZero();
    Result all = kubectl("get", "modelops");
    assertThat(all.output).contains("experiment.modelops.dev/churn-baseline", "modelversion.modelops.dev/churn-v1", "driftpolicy.modelops.dev/churn-drift");
    assertThat(kubectl("get", "exp,mv,dp").code).isZero();
    assertThat(kubectl("explain", "experiment.spec.search").output).contains("parallelTrials");
    Result scale = kubectl("scale", "mv/churn-v1", "--replicas=3");
    assertThat(scale.code).as(scale.output).isZero();
    assertThat(kubectl("get", "mv", "churn-v1", "-o", "jsonpath={.spec.serving.replicas}").output).isEqualTo("3");
  }
}
