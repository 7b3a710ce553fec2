package dev.modelops.e2e;

import dev.modelops.api.testing.RealApiServer;
import dev.modelops.testing.Cluster;
import io.fabric8.kubeapitest.KubeAPIServer;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The shared real API server of api's test-jar ({@link RealApiServer}), with this repository's
 * CRDs; what a cluster would otherwise do is test-fixtures' {@link Cluster}.
 */
final class KubeApiServer {
  private KubeApiServer() {}

  static Path binaries() {
    return RealApiServer.binaries();
  }

  /** Starts an API server, or skips the test when the binaries are missing. */
  static KubeAPIServer start(String... flags) {
    return RealApiServer.start(flags);
  }

  /** A client of the server, with the CRDs of crds/ applied and established. */
  static io.fabric8.kubernetes.client.KubernetesClient clientWithCrds(KubeAPIServer server) throws IOException {
    return RealApiServer.clientWithCrds(server, Path.of("../crds"));
  }

  /** Ends a trial Job as a cluster would ({@link Cluster#finishJob}). */
  static void finishJob(io.fabric8.kubernetes.client.KubernetesClient client, String ns, String job, String image, int exitCode, String message) {
    Cluster.finishJob(client, ns, job, image, exitCode, message);
  }

  /** Creates a PersistentVolumeClaim (it stays Pending here: no provisioner runs; trials only need it to exist). */
  static void claim(io.fabric8.kubernetes.client.KubernetesClient client, String ns, String name) {
    RealApiServer.claim(client, ns, name);
  }

  /** Writes the server's kubeconfig to a file, for kubectl. */
  static Path kubeconfig(KubeAPIServer server, Path dir) throws IOException {
    return RealApiServer.kubeconfig(server, dir);
  }
}
