package dev.modelops.trainer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelops.bundle.ModelBundle;
import dev.modelops.storage.S3Storage;
import dev.modelops.storage.S3TestServer;
import dev.modelops.storage.S3Uri;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Datasets read from and bundles written to a real S3 server (S3Proxy over HTTP on a loopback port). */
class S3TrainingTest {
  static final String DATA = "s3://data/churn/telco-churn.csv";
  @RegisterExtension static final S3TestServer.Extension s3 = S3TestServer.forEachClass("data", "models");
  @TempDir Path tmp;

  @BeforeAll
  static void putTheData() {
    s3.server().put("data", "churn/telco-churn.csv", Fixtures.DATA.resolve("telco-churn.csv"));
  }

  static JsonNode lastLine(String stdout) throws Exception {
    String[] lines = stdout.strip().split("\n");
    return new ObjectMapper().readTree(lines[lines.length - 1]);
  }

  /**
   * As in a trial Pod: the trainer is its own process, configured by the AWS_* variables the
   * operator sets from the Experiment's spec.dataset.s3 and its Secret (no region: us-east-1).
   */
  @Test
  void aJobTrainsFromAnS3DatasetAndWritesItsBundleToS3TheSameModelAsFromAFile() throws Exception {
    Path exp = Fixtures.write(tmp, "experiment.yaml", Fixtures.churn(DATA, ""));
    Map<String, String> aws = Map.of("AWS_ACCESS_KEY_ID", S3TestServer.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", S3TestServer.SECRET_KEY,
        "AWS_ENDPOINT_URL_S3", s3.endpoint().toString());
    Process job = Fixtures.launch(tmp, aws, "--experiment", exp.toString(), "--param", "max_depth=3", "--output", "s3://models/churn/t0");
    String out = new String(job.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(job.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(job.waitFor()).as(err).isZero();
    JsonNode result = lastLine(out);
    assertThat(result.path("status").asText()).isEqualTo("Succeeded");
    assertThat(result.path("bundleUri").asText()).isEqualTo("s3://models/churn/t0");
    assertThat(err).as("nothing but the result, no warnings").isEmpty();

    // The same trial from the same data in a file gives the same model, byte for byte.
    Path local = tmp.resolve("local");
    Files.copy(Fixtures.DATA.resolve("telco-churn.csv"), tmp.resolve("churn.csv"));
    Path fromFile = Fixtures.write(tmp, "local.yaml", Fixtures.churn("churn.csv", ""));
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    assertThat(TrainerMain.run(new String[] {"--experiment", fromFile.toString(), "--param", "max_depth=3", "--output", local.toString()},
        new PrintStream(sink), new PrintStream(sink))).as(sink.toString()).isZero();

    Path fetched;
    s3.asClientEnvironment(S3TestServer.SECRET_KEY);
    try (S3Storage storage = S3Storage.fromEnvironment()) {
      fetched = storage.downloadFolder(S3Uri.parse("s3://models/churn/t0", "test"), tmp.resolve("fetched"));
    }
    ModelBundle bundle = ModelBundle.read(fetched);
    assertThat(bundle.manifest().data().uri()).isEqualTo(DATA);
    assertThat(Files.readAllBytes(fetched.resolve("model.ubj"))).isEqualTo(Files.readAllBytes(local.resolve("model.ubj")));
    assertThat(fetched.resolve("pipeline.json")).hasSameTextualContentAs(local.resolve("pipeline.json"));
    try (var files = Files.list(fetched)) {
      assertThat(files.map(p -> p.getFileName().toString()).sorted().toList())
          .isEqualTo(List.of("manifest.json", "model.ubj", "pipeline.json", "profile.json"));
    }
  }

  String stdout;
  String stderr;

  int run(String secret, String... args) {
    s3.asClientEnvironment(secret);
    Fixtures.Run run = Fixtures.run(args);
    stdout = run.stdout();
    stderr = run.stderr();
    return run.code();
  }

  /** A failure the user must fix: exit 2, one error line, the reason in the result. */
  void assertRefused(String reason, String expected) throws Exception {
    assertThat(stderr.lines().toList()).as(stderr).hasSize(1);
    assertThat(stderr).startsWith("error: " + expected);
    assertThat(lastLine(stdout).path("reason").asText()).isEqualTo(reason);
  }

  @Test
  void wrongCredentialsAreNamedWithTheDatasetAndTheStoresAnswer() throws Exception {
    Path exp = Fixtures.write(tmp, "experiment.yaml", Fixtures.churn(DATA, ""));
    assertThat(run("wrong-secret", "--experiment", exp.toString(), "--output", tmp.resolve("b").toString())).isEqualTo(2);
    assertRefused("BadData", "cannot read " + DATA + ": S3 error SignatureDoesNotMatch (HTTP 403)");
    assertThat(stderr).contains("endpoint " + s3.endpoint(), "check spec.dataset.uri and spec.dataset.s3");
  }

  @Test
  void aMissingDatasetObjectIsSaidSo() throws Exception {
    Path exp = Fixtures.write(tmp, "experiment.yaml", Fixtures.churn("s3://data/churn/nowhere.csv", ""));
    assertThat(run(S3TestServer.SECRET_KEY, "--experiment", exp.toString(), "--output", tmp.resolve("b").toString())).isEqualTo(2);
    assertRefused("BadData", "cannot read s3://data/churn/nowhere.csv: S3 error NoSuchKey (HTTP 404)");
  }

  @Test
  void anOutputBucketThatIsNotThereIsRefused() throws Exception {
    Path exp = Fixtures.write(tmp, "experiment.yaml", Fixtures.churn(DATA, ""));
    assertThat(run(S3TestServer.SECRET_KEY, "--experiment", exp.toString(), "--output", "s3://no-such-bucket/churn/t0")).isEqualTo(2);
    assertRefused("BadOutput", "cannot reach the bucket of s3://no-such-bucket/churn/t0: S3 error NoSuchBucket (HTTP 404)");
  }
}
