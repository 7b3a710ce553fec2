package dev.modelops.api.testing;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real kube-apiserver and etcd for tests and benchmarks, from the binaries
 * tools/kube/kube-binaries.sh builds (never downloaded). Published in this module's test-jar so
 * that every module proving something on an API server starts it the same way; tests are skipped,
 * saying why, when the binaries are not there.
 */
public final class RealApiServer {
  /** The Kubernetes release tools/kube/kube-binaries.sh builds. */
  public static final String VERSION = System.getProperty("modelops.k8sVersion", "1.33.4");

  private RealApiServer() {}

  /** Where kube-api-test (and tools/kube/kube-binaries.sh) keep kube-apiserver, etcd, kubectl and kube-controller-manager. */
  public static Path binaries() {
    String dir = System.getenv().getOrDefault("KUBE_API_TEST_DIR", System.getProperty("user.home") + "/.kubeapitest");
    return Path.of(dir, "k8s", VERSION + "-linux-amd64");
  }

  /** Starts an API server with extra kube-apiserver flags, or skips the test when the binaries are missing. */
  public static KubeAPIServer start(String... flags) {
    Path bin = binaries();
    Assumptions.assumeTrue(Files.isExecutable(bin.resolve("kube-apiserver")) && Files.isExecutable(bin.resolve("etcd")),
        "no Kubernetes binaries in " + bin + "; run tools/kube/kube-binaries.sh");
    KubeAPIServer server = new KubeAPIServer(KubeAPIServerConfigBuilder.anAPIServerConfig()
        .withApiServerVersion(VERSION).withOfflineMode(true).withUpdateKubeConfig(false).withApiServerFlags(List.of(flags)).build());
    server.start();
    return server;
  }

  /** A client of the server. */
  public static KubernetesClient client(KubeAPIServer server) {
    return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(server.getKubeConfigYaml())).build();
  }

  /** A client of the server, with every CRD of the folder applied and established. */
  public static KubernetesClient clientWithCrds(KubeAPIServer server, Path crdFolder) throws IOException {
    KubernetesClient client = client(server);
    try (Stream<Path> crds = Files.list(crdFolder)) {
      for (Path crd : crds.sorted().toList()) {
        try (InputStream in = Files.newInputStream(crd)) {
          client.load(in).serverSideApply();
        }
      }
    }
    client.apiextensions().v1().customResourceDefinitions().list().getItems()
        .forEach(c -> client.apiextensions().v1().customResourceDefinitions().withName(c.getMetadata().getName())
            .waitUntilCondition(d -> d.getStatus() != null && d.getStatus().getConditions() != null && d.getStatus().getConditions().stream()
                .anyMatch(x -> "Established".equals(x.getType()) && "True".equals(x.getStatus())), 60, TimeUnit.SECONDS));
    return client;
  }

  /** Creates a PersistentVolumeClaim (it stays Pending: no provisioner runs; trial Jobs and served versions only need it to exist). */
  public static void claim(KubernetesClient client, String namespace, String name) {
    client.persistentVolumeClaims().inNamespace(namespace).resource(new PersistentVolumeClaimBuilder()
        .withNewMetadata().withName(name).endMetadata().withNewSpec().withAccessModes("ReadWriteMany")
        .withNewResources().addToRequests("storage", new Quantity("1Gi")).endResources().endSpec().build()).create();
  }

  /** Writes the server's kubeconfig to a file, for kubectl and processes. */
  public static Path kubeconfig(KubeAPIServer server, Path dir) throws IOException {
    Path file = dir.resolve("kubeconfig");
    Files.writeString(file, server.getKubeConfigYaml());
    return file;
  }
}
