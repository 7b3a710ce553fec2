package dev.modelops.e2e;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * A real kube-apiserver and etcd for tests, from the binaries tools/kube/kube-binaries.sh builds
 * (never downloaded). Tests are skipped, saying why, when the binaries are not there.
 */
final class KubeApiServer {
  static final String VERSION = System.getProperty("modelops.k8sVersion", "1.33.4");

  private KubeApiServer() {}

  static Path binaries() {
    String dir = System.getenv().getOrDefault("KUBE_API_TEST_DIR", System.getProperty("user.home") + "/.kubeapitest");
    return Path.of(dir, "k8s", VERSION + "-linux-amd64");
  }

  /** Starts an API server, or skips the test when the binaries are missing. */
  static KubeAPIServer start() {
    Path bin = binaries();
    Assumptions.assumeTrue(Files.isExecutable(bin.resolve("kube-apiserver")) && Files.isExecutable(bin.resolve("etcd")),
        "no Kubernetes binaries in " + bin + "; run tools/kube/kube-binaries.sh");
    KubeAPIServer server = new KubeAPIServer(KubeAPIServerConfigBuilder.anAPIServerConfig()
        .withApiServerVersion(VERSION).withOfflineMode(true).withUpdateKubeConfig(false).build());
    server.start();
    return server;
  }

  /** Writes the server's kubeconfig to a file, for kubectl. */
  static Path kubeconfig(KubeAPIServer server, Path dir) throws IOException {
    Path file = dir.resolve("kubeconfig");
    Files.writeString(file, server.getKubeConfigYaml());
    return file;
  }
}
