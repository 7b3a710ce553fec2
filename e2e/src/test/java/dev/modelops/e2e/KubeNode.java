package dev.modelops.e2e;

import com.github.dockerjava.api.model.Ulimit;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.testcontainers.containers.BindMode;
import org.testcontainers.images.ImagePullPolicy;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * A one-node Kubernetes cluster in one privileged container, started by Testcontainers' k3s
 * module. The image is not k3s: it is {@code tools/kube/node-image.sh}'s upstream Kubernetes
 * (kube-apiserver, controller-manager, scheduler, kubelet, kube-proxy, etcd) with Debian's
 * containerd, runc and CNI plugins, which honours the rancher/k3s image's contract (API on 6443,
 * kubeconfig in /etc/rancher/k3s/k3s.yaml, the "Node controller sync successful" line, image
 * archives imported from /var/lib/rancher/k3s/agent/images), so the module takes it as a
 * compatible substitute. Testcontainers reaches podman's Docker-compatible service, which this
 * class starts on the socket the build puts in DOCKER_HOST when nothing answers there.
 *
 * <p>Two differences from a k3s container, both for cgroup v1 hosts such as these machines: the
 * node gets a private cgroup namespace instead of the host's /sys/fs/cgroup (so the kubelet's
 * cgroups live under the container's and go with it), and podman needs runc and raised ulimits.
 */
final class KubeNode extends K3sContainer {
  static final String K8S_VERSION = System.getProperty("modelops.k8sVersion", "1.33.4");
  static final String IMAGE = "localhost/modelops/kube-node:v" + K8S_VERSION;
  /** The kernel settings the kubelet changes; a stopped node must leave them as they were. */
  static final List<String> HOST_SYSCTLS = List.of("vm/overcommit_memory", "vm/panic_on_oom", "kernel/panic", "kernel/panic_on_oops",
      "kernel/keys/root_maxkeys", "kernel/keys/root_maxbytes");

  private static Process podmanService;

  private KubeNode(List<Path> imageArchives) {
    super(DockerImageName.parse(IMAGE).asCompatibleSubstituteFor("rancher/k3s"));
    // No registry is reachable: the image is loaded by tools/kube/node-image.sh, never pulled.
    withImagePullPolicy(new ImagePullPolicy() {
      @Override
      public boolean shouldPull(DockerImageName imageName) {
        return false;
      }
    });
    setBinds(new ArrayList<>(getBinds().stream().filter(b -> !"/sys/fs/cgroup".equals(b.getVolume().getPath())).toList()));
    withCreateContainerCmdModifier(cmd -> cmd.getHostConfig()
        .withCgroupnsMode("private")
        .withRuntime("runc")
        .withUlimits(List.of(new Ulimit("nofile", 20000L, 20000L), new Ulimit("nproc", 32768L, 32768L))));
    for (Path archive : imageArchives) {
      withFileSystemBind(archive.toString(), "/var/lib/rancher/k3s/agent/images/" + archive.getParent().getParent().getFileName() + ".tar",
          BindMode.READ_ONLY);
    }
    withStartupTimeout(Duration.ofMinutes(4));
  }

  /**
   * Starts a node with the given image archives imported. Skips the test, saying why, when podman
   * or the node image is missing, unless MODELOPS_REQUIRE_NODE=1 (CI sets it once it has built
   * the node image): then that fails.
   */
  static KubeNode startOrSkip(List<Path> imageArchives) throws Exception {
    String missing = !Podman.installed() ? "podman is not installed (apt-get install podman)"
        : !imageLoaded() ? "the node image " + IMAGE + " is not in podman (bash tools/kube/node-image.sh)"
        : null;
    if (missing != null && "1".equals(System.getenv("MODELOPS_REQUIRE_NODE"))) {
      Assertions.fail(missing + ", and MODELOPS_REQUIRE_NODE=1 says the node tests must run");
    }
    Assumptions.assumeTrue(missing == null, missing);
    ensurePodmanService();
    KubeNode node = new KubeNode(imageArchives);
    node.start();
    return node;
  }

  private static boolean imageLoaded() throws Exception {
    return new ProcessBuilder("podman", "image", "exists", IMAGE).start().waitFor() == 0;
  }

  /** Starts {@code podman system service} on DOCKER_HOST's socket unless something answers there. */
  private static synchronized void ensurePodmanService() throws Exception {
    String host = System.getenv("DOCKER_HOST");
    if (host == null || !host.startsWith("unix://")) {
      return; // Testcontainers finds its own engine
    }
    Path socket = Path.of(host.substring("unix://".length()));
    if (answers(socket)) {
      return;
    }
    Files.deleteIfExists(socket);
    Files.createDirectories(socket.getParent());
    podmanService = new ProcessBuilder("podman", "system", "service", "--time=0", host)
        .redirectErrorStream(true).redirectOutput(socket.resolveSibling("podman-service.log").toFile()).start();
    Runtime.getRuntime().addShutdownHook(new Thread(podmanService::destroy));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!answers(socket)) {
      if (System.nanoTime() > deadline || !podmanService.isAlive()) {
        throw new IllegalStateException("podman system service did not listen on " + socket + ": "
            + Files.readString(socket.resolveSibling("podman-service.log")));
      }
      Thread.sleep(100);
    }
  }

  private static boolean answers(Path socket) {
    if (!Files.exists(socket)) {
      return false;
    }
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      return channel.connect(UnixDomainSocketAddress.of(socket));
    } catch (IOException e) {
      return false;
    }
  }

  /** A client of the cluster's admin, through the API port mapped to loopback. */
  KubernetesClient client() {
    return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(getKubeConfigYaml())).build();
  }

  /** The admin kubeconfig, written to a file (for helm and kubectl). */
  Path kubeconfig(Path dir) throws IOException {
    Path file = dir.resolve("kubeconfig");
    Files.writeString(file, getKubeConfigYaml());
    return file;
  }

  /** Copies a file into the directory behind a bound PersistentVolumeClaim (a local-path hostPath volume). */
  void copyIntoClaim(KubernetesClient client, String namespace, String claim, Path file, String name) {
    String volume = client.persistentVolumeClaims().inNamespace(namespace).withName(claim)
        .waitUntilCondition(c -> c != null && c.getStatus() != null && "Bound".equals(c.getStatus().getPhase()), 60, TimeUnit.SECONDS)
        .getSpec().getVolumeName();
    PersistentVolume pv = client.persistentVolumes().withName(volume).get();
    copyFileToContainer(MountableFile.forHostPath(file, 0644), pv.getSpec().getHostPath().getPath() + "/" + name);
  }

  /**
   * Runs a command on the host inside the node's network namespace, where Service ClusterIPs
   * (kube-proxy's rules) and Pod IPs are reachable, as they are from a process on any node.
   */
  ProcessBuilder inNodeNetwork(List<String> command) {
    long pid = getContainerInfo().getState().getPidLong();
    List<String> all = new ArrayList<>(List.of("nsenter", "--target", Long.toString(pid), "--net", "--"));
    all.addAll(command);
    return new ProcessBuilder(all);
  }

  /** Resident memory (MiB) of the node's own processes by name, and of the Pods' processes as "pods". */
  Map<String, Long> residentMemory() throws Exception {
    ExecResult ps = execInContainer("ps", "-eo", "rss=,args=");
    Map<String, Long> kib = new LinkedHashMap<>();
    for (String line : ps.getStdout().split("\n")) {
      String[] f = line.trim().split("\\s+", 2);
      if (f.length < 2) {
        continue;
      }
      String program = Path.of(f[1].split("\\s+")[0]).getFileName().toString();
      String name = switch (program) {
        case "etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy", "containerd" -> program;
        case "containerd-shim-runc-v2" -> "containerd-shims";
        case "java" -> f[1].contains("dev.modelops.operator") ? "operator" : "pods";
        default -> "pods".equals(program) ? "pods" : f[1].startsWith("/pause") ? "pods" : "other";
      };
      kib.merge(name, Long.parseLong(f[0]), Long::sum);
    }
    Map<String, Long> mib = new LinkedHashMap<>();
    kib.forEach((k, v) -> mib.put(k, v / 1024));
    return mib;
  }

  /** The last lines of each component's log in the node, for a failure message. */
  String componentLogs(int lines) {
    try {
      return execInContainer("sh", "-c", "for f in /var/log/kubernetes/*.log; do echo \"== $f\"; tail -n " + lines + " \"$f\"; done").getStdout();
    } catch (Exception e) {
      return "(no component logs: " + e + ")";
    }
  }

  /** The host's kernel settings the kubelet changes, as the host has them now. */
  static Map<String, String> hostSysctls() throws IOException {
    Map<String, String> values = new LinkedHashMap<>();
    for (String s : HOST_SYSCTLS) {
      values.put(s, Files.readString(Path.of("/proc/sys", s), StandardCharsets.UTF_8).trim());
    }
    return values;
  }

  /** Stops the node the way `podman stop` does (SIGTERM, the entrypoint cleans up), then removes it and its volumes. */
  void stopGracefully() {
    if (getContainerId() != null) {
      getDockerClient().stopContainerCmd(getContainerId()).withTimeout(60).exec();
    }
    stop();
  }
}
