package dev.modelops.testing;

import dev.modelops.api.testing.RealApiServer;
import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test class's real API server (api's {@link RealApiServer}, skipped without the binaries),
 * with the CRDs applied, the namespaces made (each with the artifacts claim), a client, and,
 * when asked, the operator on a client of its own; everything stops after the class.
 *
 * <pre>
 * &#64;RegisterExtension
 * static final KubeExtension kube = KubeExtension.withCrds(Path.of("../crds")).namespaces("train")
 *     .operator(own -&gt; { Operator o = OperatorMain.create(own, ...); o.start(); return o::stop; });
 * </pre>
 */
public final class KubeExtension implements BeforeAllCallback, AfterAllCallback {
  /** The claim trial Jobs write their bundles to, made in every namespace. */
  public static final String ARTIFACTS_CLAIM = "modelops-artifacts";

  private final Path crds;
  private final List<String> namespaces = new ArrayList<>();
  private Function<KubernetesClient, AutoCloseable> operatorFactory;
  private KubeAPIServer server;
  private KubernetesClient client;
  private AutoCloseable operator;

  private KubeExtension(Path crds) {
    this.crds = crds;
  }

  /** An API server with the CRDs of this folder. */
  public static KubeExtension withCrds(Path crds) {
    return new KubeExtension(crds);
  }

  /** Namespaces to create, each with the artifacts claim. */
  public KubeExtension namespaces(String... names) {
    namespaces.addAll(List.of(names));
    return this;
  }

  /** Starts the operator on a client of its own once the server is ready; what it returns stops it. */
  public KubeExtension operator(Function<KubernetesClient, AutoCloseable> start) {
    this.operatorFactory = start;
    return this;
  }

  public KubeAPIServer server() {
    return server;
  }

  public KubernetesClient client() {
    return client;
  }

  /** Another client of the server (the operator's own, or one to close). */
  public KubernetesClient newClient() {
    return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(server.getKubeConfigYaml())).build();
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    server = RealApiServer.start();
    client = RealApiServer.clientWithCrds(server, crds);
    for (String ns : namespaces) {
      client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
      RealApiServer.claim(client, ns, ARTIFACTS_CLAIM);
    }
    if (operatorFactory != null) {
      operator = operatorFactory.apply(newClient());
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    try {
      if (operator != null) {
        operator.close();
      }
    } finally {
      if (client != null) {
        client.close();
      }
      if (server != null) {
        server.stop();
      }
    }
  }
}
