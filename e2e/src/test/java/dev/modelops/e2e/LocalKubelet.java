package dev.modelops.e2e;

import dev.modelops.testing.Cluster;
import dev.modelops.trainer.TrainerMain;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Stands in for the kubelet and the Job and Deployment controllers of one namespace, with the
 * real programs: a trial Job runs the real trainer (in this JVM, with the Job's own arguments and
 * MODELOPS_EXPERIMENT) and ends with the Pod's termination message set to its result line; a
 * model-server Deployment with replicas runs the real model-server.jar on a loopback port with
 * the Deployment's environment, and gets a ready Pod pointing at it. pvc:// URIs resolve under
 * one local folder.
 */
final class LocalKubelet implements AutoCloseable {
  private final KubernetesClient client;
  private final String ns;
  private final Path pvcRoot;
  private final Path work;
  private final Set<String> jobsSeen = ConcurrentHashMap.newKeySet();
  final Map<String, ModelServerProcess> servers = new ConcurrentHashMap<>();
  private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();
  final List<String> problems = new java.util.concurrent.CopyOnWriteArrayList<>();

  LocalKubelet(KubernetesClient client, String ns, Path pvcRoot, Path work) {
    this.client = client;
    this.ns = ns;
    this.pvcRoot = pvcRoot;
    this.work = work;
    System.setProperty("modelops.pvcRoot", pvcRoot.toString());
    loop.scheduleWithFixedDelay(this::tick, 0, 300, TimeUnit.MILLISECONDS);
  }

  private void tick() {
    try {
      for (Job job : client.batch().v1().jobs().inNamespace(ns).list().getItems()) {
        if (jobsSeen.add(job.getMetadata().getName())) {
          runTrial(job);
        }
      }
      for (Deployment d : client.apps().deployments().inNamespace(ns).list().getItems()) {
        String name = d.getMetadata().getName();
        int replicas = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
        if (replicas > 0 && !servers.containsKey(name)) {
          startServer(d);
        } else if (replicas == 0 && servers.containsKey(name)) {
          stopServer(name);
          Cluster.makeReady(client, d, 0);
        }
      }
      for (String name : List.copyOf(servers.keySet())) {
        if (client.apps().deployments().inNamespace(ns).withName(name).get() == null) {
          stopServer(name);
        }
      }
    } catch (Exception e) {
      problems.add(e.toString());
    }
  }

  private void runTrial(Job job) throws Exception {
    var container = job.getSpec().getTemplate().getSpec().getContainers().get(0);
    String experiment = container.getEnv().stream().filter(e -> e.getName().equals("MODELOPS_EXPERIMENT")).map(EnvVar::getValue).findFirst().orElseThrow();
    Path spec = work.resolve(job.getMetadata().getName() + ".json");
    Files.writeString(spec, experiment);
    List<String> args = new ArrayList<>(List.of("--experiment", spec.toString()));
    args.addAll(container.getArgs());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code = TrainerMain.run(args.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()));
    String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
    String result = lines[lines.length - 1];
    KubeApiServer.finishJob(client, ns, job.getMetadata().getName(), container.getImage(), code, result);
  }

  private void startServer(Deployment d) throws Exception {
    var container = d.getSpec().getTemplate().getSpec().getContainers().get(0);
    Map<String, String> env = new java.util.HashMap<>();
    container.getEnv().forEach(e -> env.put(e.getName(), e.getValue()));
    env.put("MODELOPS_PVC_ROOT", pvcRoot.toString());
    String bundle = env.remove("MODEL_BUNDLE");
    ModelServerProcess server = ModelServerProcess.start(bundle, work, env);
    servers.put(d.getMetadata().getName(), server);
    Cluster.runPod(client, ns, d.getMetadata().getName() + "-pod", d.getSpec().getTemplate().getMetadata().getLabels(), container.getName(),
        container.getImage(), server.port);
    Cluster.makeReady(client, d, 1);
  }

  private void stopServer(String name) {
    ModelServerProcess s = servers.remove(name);
    if (s != null) {
      s.close();
    }
    client.pods().inNamespace(ns).withName(name + "-pod").delete();
  }

  @Override
  public void close() {
    loop.shutdownNow();
    servers.values().forEach(ModelServerProcess::close);
  }
}
