package dev.modelops.e2e;

import dev.modelops.testing.Cluster;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the operator's model-server Deployments as real server processes on loopback, one replica
 * each, the way a kubelet would run their Pods: a process started with the Deployment template's
 * environment, its Pod (the template's labels, 127.0.0.1, the process's port) and the
 * Deployment's status written ready. A template whose environment changed (a rollout step) gets
 * a new process and Pod; a Deployment scaled to zero loses them. Service names in
 * MODEL_SHADOW_URL (a rollout's candidate) are resolved to the candidate's process. Nothing runs
 * in the background: {@link #sync} does one pass, the test calls it while it waits.
 */
final class StandInKubelet implements AutoCloseable {
  private static final Pattern SERVICE_URL = Pattern.compile("http://([a-z0-9-]+)\\.([a-z0-9-]+)\\.svc:\\d+");

  record Running(ModelServerProcess process, Map<String, String> env, String pod) {}

  private final KubernetesClient client;
  private final String namespace;
  private final Path dir;
  private final Map<String, Running> running = new HashMap<>();
  private int pods;

  StandInKubelet(KubernetesClient client, String namespace, Path dir) {
    this.client = client;
    this.namespace = namespace;
    this.dir = dir;
  }

  /** The process serving a Deployment, if one runs. */
  ModelServerProcess server(String deployment) {
    Running r = running.get(deployment);
    return r == null ? null : r.process();
  }

  /** One pass over the namespace's model-server Deployments. */
  void sync() throws Exception {
    Map<String, Deployment> deployments = new LinkedHashMap<>();
    client.apps().deployments().inNamespace(namespace).withLabel("app.kubernetes.io/component", "model-server").list().getItems()
        .forEach(d -> deployments.put(d.getMetadata().getName(), d));
    for (String name : running.keySet().stream().filter(n -> !deployments.containsKey(n)).toList()) {
      stop(name);
    }
    for (Deployment d : deployments.values()) {
      String name = d.getMetadata().getName();
      if (d.getSpec().getReplicas() == null || d.getSpec().getReplicas() == 0) {
        stop(name);
        continue;
      }
      Map<String, String> env = new LinkedHashMap<>();
      for (EnvVar e : d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()) {
        if (e.getValue() != null) {
          env.put(e.getName(), e.getValue());
        }
      }
      Running r = running.get(name);
      if (r == null || !r.env().equals(env)) {
        Map<String, String> resolved = resolve(env);
        if (resolved == null) {
          continue; // the candidate it mirrors to does not run yet
        }
        stop(name);
        ModelServerProcess p = ModelServerProcess.start(env.get("MODEL_BUNDLE"), dir, resolved);
        String pod = name + "-" + (++pods);
        Cluster.runPod(client, namespace, pod, d.getSpec().getTemplate().getMetadata().getLabels(), "model-server",
            d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage(), p.port);
        running.put(name, new Running(p, env, pod));
      }
      Deployment current = client.apps().deployments().inNamespace(namespace).withName(name).get();
      if (current.getStatus() == null || current.getStatus().getObservedGeneration() == null
          || current.getStatus().getObservedGeneration() < current.getMetadata().getGeneration()
          || current.getStatus().getReadyReplicas() == null || current.getStatus().getReadyReplicas() < 1) {
        Cluster.makeReady(client, current, 1);
      }
    }
  }

  /** The environment with a candidate's Service URL pointing at its process; null while it does not run. */
  private Map<String, String> resolve(Map<String, String> env) {
    Map<String, String> out = new LinkedHashMap<>(env);
    String url = env.get("MODEL_SHADOW_URL");
    if (url != null) {
      Matcher m = SERVICE_URL.matcher(url);
      if (!m.matches() || !running.containsKey(m.group(1))) {
        return null;
      }
      out.put("MODEL_SHADOW_URL", "http://127.0.0.1:" + running.get(m.group(1)).process().port);
    }
    return out;
  }

  private void stop(String name) {
    Running r = running.remove(name);
    if (r != null) {
      client.pods().inNamespace(namespace).withName(r.pod()).withGracePeriod(0).delete();
      r.process().close();
    }
  }

  @Override
  public void close() {
    for (String name : running.keySet().stream().toList()) {
      try {
        stop(name);
      } catch (RuntimeException e) {
        // the API server may be gone already
      }
    }
  }
}
