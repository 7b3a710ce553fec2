package dev.modelops.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.api.testing.RealApiServer;
import dev.modelops.api.v1alpha1.ModelVersion;
import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * Operator speed and memory, against a real kube-apiserver with the operator as its own process
 * (operator/target/operator.jar, the JVM flags of the Helm chart). Not a test: its name keeps it
 * out of `verify`, which only compiles it; run it with `bash bench/operator/run.sh`, which prints
 * the figures.
 *
 * <ol>
 *   <li>Experiment creation to its first trial Job: 40 Experiments, one after another;
 *   <li>1,000 ModelVersions (100 models x 10 versions, one at Production per model) reconciled to
 *       steady state (a Deployment and a Service each, the models' stable Services, status
 *       written on all), then the operator's resident memory.
 * </ol>
 */
class OperatorBenchmark {
  static final String NS = "bench";

  @Test
  void run() throws Exception {
    int experiments = Integer.getInteger("bench.experiments", 40);
    int models = Integer.getInteger("bench.models", 100);
    int versions = Integer.getInteger("bench.versions", 10);
    String javaOptions = System.getProperty("bench.javaOptions",
        "-Xmx160m -XX:+UseSerialGC -XX:MaxMetaspaceSize=96m -XX:ReservedCodeCacheSize=32m -XX:TieredStopAtLevel=1 -Xss512k -XX:MaxDirectMemorySize=32m");
    Path tmp = Files.createTempDirectory("operator-bench");
    KubeAPIServer server = RealApiServer.start();
    Process operator = null;
    Process controllerManager = null;
    try (KubernetesClient client = RealApiServer.clientWithCrds(server, Path.of("../crds"))) {
      // A Service per served version: the test API server's Service range (a /24) would run out,
      // so a second ServiceCIDR is added, which kube-controller-manager makes ready.
      controllerManager = new ProcessBuilder(RealApiServer.binaries().resolve("kube-controller-manager").toString(),
          "--kubeconfig=" + RealApiServer.kubeconfig(server, tmp), "--controllers=service-cidr-controller", "--leader-elect=false", "--secure-port=0")
          .redirectErrorStream(true).redirectOutput(tmp.resolve("kcm.log").toFile()).start();
      client.load(new java.io.ByteArrayInputStream("""
          apiVersion: networking.k8s.io/v1
          kind: ServiceCIDR
          metadata:
            name: bench
          spec:
            cidrs: ["10.96.0.0/16"]
          """.getBytes(java.nio.charset.StandardCharsets.UTF_8))).create();
      client.genericKubernetesResources("networking.k8s.io/v1", "ServiceCIDR").withName("bench")
          .waitUntilCondition(c -> String.valueOf((Object) c.getAdditionalProperties().get("status")).contains("status=True"), 60, java.util.concurrent.TimeUnit.SECONDS);
      client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
      RealApiServer.claim(client, NS, "modelops-artifacts");
      RealApiServer.claim(client, NS, "data"); // the example's data (examples/cluster/storage.yaml)
      Path kubeconfig = RealApiServer.kubeconfig(server, tmp);
      List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
      command.addAll(List.of(javaOptions.split(" ")));
      command.addAll(List.of("-jar", "../operator/target/operator.jar"));
      ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(tmp.resolve("operator.log").toFile());
      pb.environment().putAll(Map.of("KUBECONFIG", kubeconfig.toString(), "MODELOPS_NAMESPACES", NS, "MODELOPS_PROBE_PORT", "0"));
      operator = pb.start();
      long pid = operator.pid();
      Thread.sleep(3000); // the operator starts its informers

      // 1. Experiment creation -> first trial Job.
      Map<String, Long> firstJob = new ConcurrentHashMap<>();
      Watch watch = client.batch().v1().jobs().inNamespace(NS).watch(new Watcher<>() {
        @Override
        public void eventReceived(Action action, Job job) {
          if (action == Action.ADDED) {
            firstJob.putIfAbsent(job.getMetadata().getLabels().get("modelops.dev/experiment"), System.nanoTime());
          }
        }

        @Override
        public void onClose(WatcherException cause) {}
      });
      Experiment template = new ObjectMapper(new YAMLFactory()).readValue(Path.of("../examples/churn/experiment.yaml").toFile(), Experiment.class);
      template.getMetadata().setNamespace(NS);
      List<Double> latencies = new ArrayList<>();
      for (int i = 0; i < experiments; i++) {
        String name = "exp-" + i;
        template.getMetadata().setName(name);
        template.getSpec().setModel("bench-" + i);
        long start = System.nanoTime();
        client.resource(template).create();
        long deadline = System.currentTimeMillis() + 30_000;
        while (!firstJob.containsKey(name) && System.currentTimeMillis() < deadline) {
          Thread.sleep(1);
        }
        latencies.add((firstJob.getOrDefault(name, Long.MAX_VALUE) - start) / 1e6);
        Thread.sleep(200);
      }
      watch.close();
      Collections.sort(latencies);
      System.out.printf("BENCH experiment->first Job (%d Experiments): p50 %.0f ms, p90 %.0f ms, max %.0f ms%n", experiments,
          latencies.get(latencies.size() / 2), latencies.get((int) (latencies.size() * 0.9)), latencies.get(latencies.size() - 1));
      System.out.printf("BENCH after Experiments: operator RSS %d MiB%n", rss(pid, "VmRSS"));

      // 2. 1,000 ModelVersions to steady state.
      ModelVersion mv = new ObjectMapper(new YAMLFactory()).readValue(Path.of("../examples/churn/modelversion.yaml").toFile(), ModelVersion.class);
      mv.getMetadata().setNamespace(NS);
      long start = System.nanoTime();
      for (int m = 0; m < models; m++) {
        for (int v = 1; v <= versions; v++) {
          mv.getMetadata().setName("m" + m + "-v" + v);
          mv.getSpec().setModel("m" + m);
          mv.getSpec().setVersion(v);
          mv.getSpec().setStage(v == versions ? dev.modelops.api.v1alpha1.ModelVersionSpec.Stage.Production
              : dev.modelops.api.v1alpha1.ModelVersionSpec.Stage.Staging);
          client.resource(mv).create();
        }
      }
      double created = (System.nanoTime() - start) / 1e9;
      int total = models * versions;
      long deadline = System.currentTimeMillis() + 600_000;
      int withStatus = 0;
      int deployments = 0;
      while (System.currentTimeMillis() < deadline) {
        withStatus = (int) client.resources(ModelVersion.class).inNamespace(NS).list().getItems().stream()
            .filter(x -> x.getStatus() != null && x.getStatus().getPhase() != null).count();
        deployments = client.apps().deployments().inNamespace(NS).list().getItems().size();
        if (withStatus == total && deployments == total) {
          break;
        }
        Thread.sleep(1000);
      }
      double steady = (System.nanoTime() - start) / 1e9;
      int services = client.services().inNamespace(NS).list().getItems().size();
      System.out.printf("BENCH %d ModelVersions: created in %.1f s, steady state (status on %d, %d Deployments, %d Services) after %.1f s%n",
          total, created, withStatus, deployments, services, steady);
      Thread.sleep(30_000); // the periodic rechecks of Production versions run at least once
      System.out.printf("BENCH operator resident memory with %d ModelVersions: VmRSS %d MiB, peak VmHWM %d MiB (JVM flags: %s)%n",
          total, rss(pid, "VmRSS"), rss(pid, "VmHWM"), javaOptions);
    } finally {
      if (operator != null) {
        operator.destroy();
        operator.waitFor();
      }
      if (controllerManager != null) {
        controllerManager.destroyForcibly();
      }
      server.stop();
    }
  }

  static long rss(long pid, String field) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
      }
    }
    return -1;
  }
}
