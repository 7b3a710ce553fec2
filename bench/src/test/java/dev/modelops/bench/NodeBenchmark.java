package dev.modelops.bench;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.modelops.api.v1alpha1.Experiment;
import dev.modelops.api.v1alpha1.ExperimentSpec;
import dev.modelops.api.v1alpha1.ExperimentStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Experiment applied → first trial Pod Running, on a real node with the operator installed by the
 * chart (bench/node/run.sh sets it up). Each sample is one single-trial Experiment, applied after
 * the previous one finished; watches on Jobs and Pods time each step: the operator's Job, the Job
 * controller's Pod, the scheduler's binding, the kubelet's Running. Prints lines starting BENCH.
 */
class NodeBenchmark {
  static final String NS = "default";

  @Test
  void experimentToFirstTrialPodRunning() throws Exception {
    String kubeconfig = System.getProperty("bench.kubeconfig");
    assumeTrue(kubeconfig != null, "run by bench/node/run.sh, which starts a node and passes -Dbench.kubeconfig");
    int samples = Integer.getInteger("bench.samples", 10);
    Map<String, Long> jobSeen = new ConcurrentHashMap<>();
    Map<String, Long> podSeen = new ConcurrentHashMap<>();
    Map<String, Long> podBound = new ConcurrentHashMap<>();
    Map<String, Long> podRunning = new ConcurrentHashMap<>();
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(Path.of(kubeconfig)))).build();
        var jobs = client.batch().v1().jobs().inNamespace(NS).withLabel("modelops.dev/experiment").watch(new Watcher<Job>() {
          @Override
          public void eventReceived(Action action, Job job) {
            jobSeen.putIfAbsent(job.getMetadata().getLabels().get("modelops.dev/experiment"), System.nanoTime());
          }

          @Override
          public void onClose(WatcherException cause) {}
        });
        var pods = client.pods().inNamespace(NS).withLabel("modelops.dev/experiment").watch(new Watcher<Pod>() {
          @Override
          public void eventReceived(Action action, Pod pod) {
            long now = System.nanoTime();
            String exp = pod.getMetadata().getLabels().get("modelops.dev/experiment");
            podSeen.putIfAbsent(exp, now);
            if (pod.getSpec().getNodeName() != null) {
              podBound.putIfAbsent(exp, now);
            }
            if ("Running".equals(pod.getStatus().getPhase()) || "Succeeded".equals(pod.getStatus().getPhase())) {
              podRunning.putIfAbsent(exp, now);
            }
          }

          @Override
          public void onClose(WatcherException cause) {}
        })) {
      Experiment template = new ObjectMapper(new YAMLFactory()).readValue(Path.of("../examples/quickstart/experiment.yaml").toFile(), Experiment.class);
      ExperimentSpec spec = template.getSpec();
      spec.setModel("bench");
      spec.setSearch(null);
      spec.getAlgorithm().getParams().put("max_depth", com.fasterxml.jackson.databind.node.IntNode.valueOf(3));
      // Nothing registers: no model server competes for the node while the next sample runs.
      spec.getRegister().getQualityGate().get(0).setMin(0.999);
      List<double[]> rows = new ArrayList<>();
      for (int i = 0; i < samples; i++) {
        String name = "bench-" + System.currentTimeMillis() % 100000 + "-" + i;
        Experiment exp = new Experiment();
        exp.getMetadata().setName(name);
        exp.getMetadata().setNamespace(NS);
        exp.setSpec(spec);
        long applied = System.nanoTime();
        client.resource(exp).create();
        client.resources(Experiment.class).inNamespace(NS).withName(name).waitUntilCondition(e -> e != null && e.getStatus() != null
            && (e.getStatus().getPhase() == ExperimentStatus.Phase.Succeeded || e.getStatus().getPhase() == ExperimentStatus.Phase.Failed), 180, TimeUnit.SECONDS);
        rows.add(new double[] {ms(applied, jobSeen.get(name)), ms(applied, podSeen.get(name)), ms(applied, podBound.get(name)), ms(applied, podRunning.get(name))});
        System.out.printf("BENCH sample %d: Job %.0f ms, Pod %.0f ms, bound %.0f ms, Running %.0f ms%n", i + 1, rows.get(i)[0], rows.get(i)[1], rows.get(i)[2], rows.get(i)[3]);
        client.resource(exp).delete();
      }
      String[] steps = {"trial Job created", "trial Pod created", "trial Pod bound to the node", "trial Pod Running"};
      for (int s = 0; s < steps.length; s++) {
        final int col = s;
        double[] sorted = rows.stream().mapToDouble(r -> r[col]).sorted().toArray();
        System.out.printf("BENCH Experiment applied -> %s: p50 %.0f ms, p90 %.0f ms, max %.0f ms (%d samples)%n", steps[s],
            sorted[(sorted.length - 1) / 2], sorted[(int) Math.ceil(0.9 * sorted.length) - 1], sorted[sorted.length - 1], sorted.length);
      }
    }
  }

  static double ms(long from, Long to) {
    return to == null ? Double.NaN : (to - from) / 1e6;
  }
}
