package dev.modelops.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelops.storage.S3Storage;
import dev.modelops.storage.S3TestServer;
import dev.modelops.storage.S3Uri;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * MODEL_BUNDLE=s3://bucket/prefix: the server fetches the bundle from a real S3 server (S3Proxy
 * over HTTP on a loopback port) and answers exactly as it does serving the same bundle from a folder.
 */
class S3BundleTest {
  static final String BUNDLE = "s3://models/churn/v1";
  @RegisterExtension static final S3TestServer.Extension s3 = S3TestServer.forEachClass("models");
  @TempDir static Path tmp;
  static Path folder;

  @BeforeAll
  static void putTheBundle() throws Exception {
    folder = ServerApiTest.trainChurn(tmp);
    try (S3TestServer.Environment env = s3.asClientEnvironment(S3TestServer.SECRET_KEY); S3Storage storage = S3Storage.fromEnvironment()) {
      storage.uploadFolder(folder, S3Uri.parse(BUNDLE, "test"));
    }
  }

  /** The whole churn file through /v1/predict/batch, each answer without its (random) id. */
  static List<String> predictAll(String bundle) throws Exception {
    try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, Map.of("micronaut.server.port", -1, "model.bundle", bundle))) {
      HttpResponse<String> r = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getPort() + "/v1/predict/batch")).header("Content-Type", "text/csv")
              .POST(HttpRequest.BodyPublishers.ofFile(Path.of("../examples/data/telco-churn.csv"))).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      return r.body().lines().skip(1).map(line -> line.substring(line.indexOf(',') + 1)).toList();
    }
  }

  @Test
  void servesAnS3BundleWithTheSamePredictionsAsTheSameBundleFromAFolder() throws Exception {
    s3.asClientEnvironment(S3TestServer.SECRET_KEY);
    List<String> fromS3 = predictAll(BUNDLE);
    List<String> fromFolder = predictAll(folder.toString());
    assertThat(fromS3).hasSize((int) Files.lines(Path.of("../examples/data/telco-churn.csv")).count() - 1);
    assertThat(fromS3).isEqualTo(fromFolder);
  }

  @Test
  void wrongCredentialsLeaveTheServerNotReadySayingWhatS3Answered() throws Exception {
    s3.asClientEnvironment("not-the-secret");
    assertThat(NotReadyTest.assertNotReady(BUNDLE))
        .contains("cannot load the model bundle " + BUNDLE + ": cannot list " + BUNDLE + ": S3 error SignatureDoesNotMatch (HTTP 403)")
        .contains("endpoint " + s3.endpoint());
  }

  @Test
  void aPrefixWithoutABundleLeavesTheServerNotReadySayingSo() throws Exception {
    s3.asClientEnvironment(S3TestServer.SECRET_KEY);
    assertThat(NotReadyTest.assertNotReady("s3://models/churn/v9"))
        .contains("cannot load the model bundle s3://models/churn/v9: s3://models/churn/v9: there are no objects under churn/v9/ in bucket models");
  }
}
